"""Downloadable photo corpora: resumable downloads, checksums, and safe archive extraction.

    folder = clipnb.datasets.fetch("oxford-iiit-pet")     # ~790 MB, once
    folder = clipnb.datasets.fetch("coco-2017-val")       # ~1 GB, once; 5,000 photos with captions
    corpus = clipnb.ImageCorpus.from_folder(folder, model)

Downloads go to ``$CLIPNB_CACHE/datasets``; an interrupted download resumes where it stopped
(HTTP Range), and starts over where the server answers for other bytes than those asked for. Every
file's checksum is verified before anything is extracted, and extraction refuses absolute paths,
``..``, links and device files. A dataset is built in a side folder and moved into place only when
complete, so a failed fetch leaves nothing half-built.

COCO 2017 val: the folder holds ``val2017/*.jpg``, ``annotations/captions_val2017.json`` (the only
member taken from the 241 MB annotations archive) and a ``captions.csv`` that ``from_folder`` reads:
each image's captions joined with " | ", its Flickr URL, and its licence. COCO's terms of use
(cocodataset.org/#termsofuse): the annotations belong to the COCO Consortium and are licensed under
CC BY 4.0; the Consortium does not own the copyright of the images, whose use must abide by the
Flickr Terms of Use, and users accept full responsibility for their use of the dataset, including
any copies of copyrighted images they make. Each image's own Flickr licence is in ``captions.csv``.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import tarfile
import urllib.request
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from clipnb.cache import build_dir


@dataclass(frozen=True)
class Dataset:
    url: str
    checksum: str        # "sha256:<hex>" or, where only that is published, "md5:<hex>"
    licence: str
    description: str
    images: str          # the folder fetch returns, inside the extracted archive ("" for its top)
    size_mb: int         # all files together
    extra: tuple[tuple[str, str], ...] = ()  # further (url, checksum) files, downloaded before extracting
    # (downloaded files, extracted folder) -> rows of image_path (relative to the returned folder),
    # caption, source, licence: written to captions.csv for ImageCorpus.from_folder
    captions: Callable[[list[Path], Path], list[dict]] | None = None

    @property
    def files(self) -> tuple[tuple[str, str], ...]:
        return ((self.url, self.checksum),) + self.extra


COCO_CAPTIONS_MEMBER = "annotations/captions_val2017.json"


def coco_captions(files: list[Path], folder: Path) -> list[dict]:
    """captions.csv rows from COCO's captions json (taken alone from the annotations zip, ``files[1]``).

    An image's captions are joined with " | " in annotation id order; all are kept (most images have
    five, a few more). The licence is the one the json's ``licenses`` list names for the image.
    """
    path = extract_member(files[1], COCO_CAPTIONS_MEMBER, folder)
    data = json.loads(path.read_text(encoding="utf-8"))
    licences = {item["id"]: f"{item['name']} ({item['url']})" for item in data.get("licenses", [])}
    captions = {}
    for note in sorted(data["annotations"], key=lambda a: a["id"]):
        captions.setdefault(note["image_id"], []).append(" ".join(note["caption"].split()))
    rows = []
    for image in sorted(data["images"], key=lambda i: i["file_name"]):
        image_path = f"val2017/{image['file_name']}"
        if not (folder / image_path).is_file():
            raise FileNotFoundError(f"{COCO_CAPTIONS_MEMBER} names {image_path}, which the images archive lacks: "
                                    "the two downloads do not belong together")
        rows.append({"image_path": image_path, "caption": " | ".join(captions.get(image["id"], [])),
                     "source": image.get("flickr_url") or image.get("coco_url", ""),
                     "licence": licences.get(image.get("license"), f"licence id {image.get('license')} "
                                             "(not in the annotations' licenses list)")})
    return rows


DATASETS = {
    "oxford-iiit-pet": Dataset(
        # sha256 (and size: 791,918,971 bytes) as published by tensorflow-datasets in
        # tensorflow_datasets/url_checksums/oxford_iiit_pet.txt (the same in datasets/oxford_iiit_pet/checksums.tsv);
        # torchvision's OxfordIIITPet publishes the md5 of the same file: 5c4f3ee8e5d25df40f4fd59a7f44e54c.
        url="https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz",
        checksum="sha256:67195c5e1c01f1ab5f9b6a5d22b8c27a580d896ece458917e61d459337fa318d",
        licence="CC BY-SA 4.0 (Parkhi, Vedaldi, Zisserman, Jawahar: Cats and Dogs, CVPR 2012)",
        description="7,349 photos of 37 cat and dog breeds",
        images="images", size_mb=792),
    "coco-2017-val": Dataset(
        # sha256 (and sizes: 815,585,330 and 252,907,541 bytes) as published by tensorflow-datasets in
        # tensorflow_datasets/url_checksums/coco2017.txt (the same in coco.txt). dmlc/gluon-cv's
        # scripts/datasets/mscoco.py publishes sha1s of the same two files: val2017.zip
        # 4950dc9d00dbe1c933ee0170f5797584351d2a41, annotations 8551ee4bb5860311e79dace7e79cb91e432e78b3.
        url="http://images.cocodataset.org/zips/val2017.zip",
        checksum="sha256:4f7e2ccb2866ec5041993c9cf2a952bbed69647b115d0f74da7ce8f4bef82f05",
        extra=(("http://images.cocodataset.org/annotations/annotations_trainval2017.zip",
                "sha256:113a836d90195ee1f884e704da6304dfaaecff1f023f49b6ca93c4aaae470268"),),
        licence="captions CC BY 4.0 (COCO Consortium); images under their Flickr licences, "
                "named per file in captions.csv",
        description="COCO 2017 validation: 5,000 photos with 5 captions each",
        images="", size_mb=1019, captions=coco_captions),  # 778 MB images + 241 MB annotations
}


class ChecksumError(ValueError):
    """A downloaded file whose checksum does not match."""


class UnsafeArchiveError(ValueError):
    """An archive member that would land outside the target folder or is not a plain file."""


def file_checksum(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, checksum: str):
    algorithm, _, expected = checksum.partition(":")
    if algorithm not in ("sha256", "md5") or not expected:
        raise ValueError(f"checksum must look like 'sha256:<hex>' or 'md5:<hex>', not {checksum!r}")
    actual = file_checksum(path, algorithm)
    if actual != expected.lower():
        raise ChecksumError(f"{path.name}: {algorithm} is {actual}, expected {expected}. The file is corrupt or was "
                            "changed upstream; it was kept aside as *.bad (only the latest one; removed once a good "
                            "download lands): run again to download it afresh, and if it fails again, report the "
                            "changed file (its pin is in clipnb/datasets.py)")


def _verified(path: Path, checksum: str | None, bad: Path) -> Path:
    """``path``, once it matches ``checksum``; a mismatch is moved to ``bad`` (replacing an older one) and raised."""
    if checksum:
        try:
            verify(path, checksum)
        except ChecksumError:
            os.replace(path, bad)
            raise
    return path


def _content_range(header: str | None) -> tuple[int | None, int | None]:
    """(first byte, total size) from a Content-Range such as 'bytes 100-199/200' or 'bytes */200'."""
    match = re.fullmatch(r"bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)", (header or "").strip())
    if not match:
        return None, None
    first, total = match.groups()
    return (int(first) if first else None), (int(total) if total != "*" else None)


def _receive(url: str, part: Path, checksum: str | None, progress: bool, timeout: float) -> bool:
    """Append the rest of ``url`` to ``part`` (or write it afresh); False when the server's answer does not fit
    the bytes the part holds, so the caller starts over from byte 0 rather than splice two files."""
    from clipnb.progress import progress_bar as tqdm

    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 416 and have:  # range not satisfiable: the part is the whole file, or longer than it
            _, total = _content_range(e.headers.get("Content-Range"))
            if total is None and checksum:  # no size given: the checksum tells whether the part is whole
                try:
                    verify(part, checksum)
                    total = have
                except ChecksumError:
                    pass
            return total == have  # whole (verified by the caller), or longer than the file: start over
        raise ConnectionError(f"downloading {url} failed: HTTP {e.code} {e.reason}") from e
    except OSError as e:
        raise ConnectionError(f"cannot reach {url} ({e}); check the network, or copy the file to "
                              f"{part.with_suffix('')}") from e
    with response:
        start = 0  # a 200 carries the whole file, whatever was asked
        if response.status == 206:
            start, _ = _content_range(response.headers.get("Content-Range"))
            if start != have:
                return False
        total = response.headers.get("Content-Length")
        total = int(total) + start if total else None
        with open(part, "ab" if start else "wb") as f, tqdm(total=total, initial=start, unit="B", unit_scale=True,
                                                            desc=part.stem, disable=not progress) as bar:
            for block in iter(lambda: response.read(1 << 16), b""):
                f.write(block)
                bar.update(len(block))
    if total is not None and part.stat().st_size != total:
        raise ConnectionError(f"the download of {url} stopped at {part.stat().st_size} of {total} bytes; "
                              "run again to resume")
    return True


def download(url: str, dest: Path, checksum: str | None = None, progress: bool = True, timeout: float = 30) -> Path:
    """Download ``url`` to ``dest`` (resuming a ``dest.part``), verify, then move into place atomically.

    A file that fails its checksum is kept aside as ``dest.bad`` (one per file: a newer one replaces it) and
    raises ChecksumError; the ``.bad`` is removed once a good download lands.
    """
    dest = Path(dest)
    bad = dest.with_name(dest.name + ".bad")
    if dest.exists():
        _verified(dest, checksum, bad)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        if not _receive(url, part, checksum, progress, timeout):
            part.unlink(missing_ok=True)  # the server answered for other bytes than the part holds: start over
            if not _receive(url, part, checksum, progress, timeout):
                raise ConnectionError(f"{url} answered with a byte range that was not asked for (Content-Range); "
                                      "the server or a proxy is misbehaving: try again later or from another network")
        os.replace(_verified(part, checksum, bad), dest)
    bad.unlink(missing_ok=True)
    return dest


def _check_member(name: str, target: Path, is_dir: bool = False) -> bool:
    """Raise UnsafeArchiveError for a name that would land outside ``target``; False for the archive's own root
    folder (``./``, as ``tar -C folder -czf x.tar.gz .`` writes it), which is skipped; True otherwise."""
    path = PurePosixPath(name.replace("\\", "/"))
    if not path.parts:
        if is_dir:
            return False
        raise UnsafeArchiveError(f"refusing archive member {name!r}: an empty name (the archive is damaged or "
                                 "not the expected one -- delete it and download again)")
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"refusing archive member {name!r}: an absolute path")
    if ".." in path.parts:
        raise UnsafeArchiveError(f"refusing archive member {name!r}: it climbs out with '..'")
    resolved = (target / path).resolve()
    if target.resolve() not in resolved.parents and resolved != target.resolve():
        raise UnsafeArchiveError(f"refusing archive member {name!r}: it lands outside {target}")
    return True


def _plain(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """What tarfile's "data" filter does to a file or folder (Pythons before 3.10.12 / 3.11.4 lack it): no
    set-id or sticky bits, no write permission for others, and no owner taken from the archive."""
    member.mode = (member.mode & 0o755) | (0o700 if member.isdir() else 0o600)
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


def safe_extract(archive: Path, target: Path) -> Path:
    """Extract a .tar(.gz/.bz2/.xz) or .zip into ``target`` after checking every member; atomic."""
    archive, target = Path(archive), Path(target)
    tmp = target.with_name(target.name + ".extracting")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                members = [info for info in z.infolist() if _check_member(info.filename, tmp, info.is_dir())]
                for info in members:
                    if (info.external_attr >> 16) & 0o170000 == 0o120000:
                        raise UnsafeArchiveError(f"refusing archive member {info.filename!r}: a symbolic link")
                z.extractall(tmp, members=members)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as t:
                members = [m for m in t.getmembers() if _check_member(m.name, tmp, m.isdir())]
                for m in members:
                    if not (m.isfile() or m.isdir()):
                        raise UnsafeArchiveError(f"refusing archive member {m.name!r}: not a plain file or folder "
                                                 "(a link or a device)")
                if hasattr(tarfile, "data_filter"):
                    t.extractall(tmp, members=members, filter="data")
                else:  # the checks above already refused every unsafe member; _plain does the rest of "data"
                    t.extractall(tmp, members=[_plain(m) for m in members])
        else:
            raise UnsafeArchiveError(f"{archive.name} is neither a tar nor a zip archive")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


def extract_member(archive: Path, member: str, target: Path) -> Path:
    """Extract one member of a zip to ``target / member``, after the checks ``safe_extract`` makes."""
    _check_member(member, target)
    with zipfile.ZipFile(archive) as z:
        try:
            info = z.getinfo(member)
        except KeyError:
            raise FileNotFoundError(f"{Path(archive).name} has no member {member!r}: the archive is not the "
                                    "expected one -- delete it and download again") from None
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise UnsafeArchiveError(f"refusing archive member {member!r}: a symbolic link")
        dest = Path(target) / member
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        with z.open(info) as source, open(part, "wb") as out:
            shutil.copyfileobj(source, out)
    os.replace(part, dest)
    return dest


def _write_captions(rows: list[dict], name: str, folder: Path):
    columns = ["image_path", "caption", "folder", "concept", "source", "licence"]
    part = folder / "captions.csv.part"
    with open(part, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows({**row, "folder": name, "concept": ""} for row in rows)
    os.replace(part, folder / "captions.csv")


def fetch(name: str, root: Path | None = None, progress: bool = True) -> Path:
    """Download (once) and extract a registered dataset; returns its folder of images.

    Every file is downloaded and verified before anything is extracted; the folder is built beside
    its final place and moved there when complete, so an interrupted fetch resumes its downloads
    and a failed one leaves no half-built folder. The folder's ``.complete`` names the checksums it was
    built from: when the pins have changed since, its files are verified again and it is rebuilt.
    """
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    root = Path(root) if root else build_dir("datasets")
    folder = root / name
    done = folder / ".complete"
    pins = [checksum for _, checksum in spec.files]
    built_from = done.read_text().split() if done.exists() else None
    if built_from is not None and built_from != pins:
        warnings.warn(f"{folder} was built from files with other checksums ({', '.join(built_from) or 'none'}) "
                      f"than clipnb pins now ({', '.join(pins)}): verifying the downloads again and rebuilding it",
                      stacklevel=2)
    if built_from != pins:
        files = [download(url, root / Path(url).name, checksum, progress) for url, checksum in spec.files]
        building = root / f"{name}.building"
        try:
            safe_extract(files[0], building)
            if spec.captions:
                _write_captions(spec.captions(files, building), name, building)
            (building / ".complete").write_text("\n".join(pins))
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        if folder.exists():  # an incomplete or outdated build from before
            shutil.rmtree(folder)
        os.replace(building, folder)
    return folder / spec.images
