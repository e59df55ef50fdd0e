"""Downloadable photo corpora: resumable downloads, checksums, and safe archive extraction.

    folder = clipnb.datasets.fetch("oxford-iiit-pet")     # ~790 MB, once
    corpus = clipnb.ImageCorpus.from_folder(folder, model)

Downloads go to ``$CLIPNB_CACHE/datasets``; an interrupted download resumes where it stopped
(HTTP Range). The archive's checksum is verified before anything is extracted, and extraction
refuses absolute paths, ``..``, links and device files.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from clipnb.cache import build_dir


@dataclass(frozen=True)
class Dataset:
    url: str
    checksum: str        # "sha256:<hex>" or, where only that is published, "md5:<hex>"
    licence: str
    description: str
    images: str          # the folder of images inside the archive
    size_mb: int


DATASETS = {
    "oxford-iiit-pet": Dataset(
        url="https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz",
        checksum="md5:5c4f3ee8e5d25df40f4fd59a7f44e54c",  # as published with torchvision's OxfordIIITPet
        licence="CC BY-SA 4.0 (Parkhi, Vedaldi, Zisserman, Jawahar: Cats and Dogs, CVPR 2012)",
        description="7,349 photos of 37 cat and dog breeds",
        images="images", size_mb=792),
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
        raise ChecksumError(f"{path.name}: {algorithm} is {actual}, expected {expected}. The file is corrupt or "
                            "was changed upstream; it was kept as *.bad -- delete it and download again")


def download(url: str, dest: Path, checksum: str | None = None, progress: bool = True, timeout: float = 30) -> Path:
    """Download ``url`` to ``dest`` (resuming a ``dest.part``), verify, then move into place atomically."""
    from tqdm.auto import tqdm

    dest = Path(dest)
    if dest.exists():
        if checksum:
            try:
                verify(dest, checksum)
            except ChecksumError:  # set aside, so the next run downloads afresh (as the message says)
                os.replace(dest, dest.with_name(dest.name + ".bad"))
                raise
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # already complete
            response = None
        else:
            raise ConnectionError(f"downloading {url} failed: HTTP {e.code} {e.reason}") from e
    except OSError as e:
        raise ConnectionError(f"cannot reach {url} ({e}); check the network, or copy the file to {dest}") from e
    if response is not None:
        with response:
            resumed = response.status == 206
            total = response.headers.get("Content-Length")
            total = int(total) + (have if resumed else 0) if total else None
            with open(part, "ab" if resumed else "wb") as f, tqdm(total=total, initial=have if resumed else 0,
                                                                   unit="B", unit_scale=True, desc=dest.name,
                                                                   disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    f.write(block)
                    bar.update(len(block))
            if total is not None and part.stat().st_size != total:
                raise ConnectionError(f"the download of {url} stopped at {part.stat().st_size} of {total} bytes; "
                                      "run again to resume")
    if checksum:
        try:
            verify(part, checksum)
        except ChecksumError:
            os.replace(part, dest.with_name(dest.name + ".bad"))
            raise
    os.replace(part, dest)
    return dest


def _check_member(name: str, target: Path):
    path = PurePosixPath(name.replace("\\", "/"))
    if not path.parts:
        raise UnsafeArchiveError(f"refusing archive member {name!r}: an empty name")
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"refusing archive member {name!r}: an absolute path")
    if ".." in path.parts:
        raise UnsafeArchiveError(f"refusing archive member {name!r}: it climbs out with '..'")
    resolved = (target / path).resolve()
    if target.resolve() not in resolved.parents and resolved != target.resolve():
        raise UnsafeArchiveError(f"refusing archive member {name!r}: it lands outside {target}")


def safe_extract(archive: Path, target: Path) -> Path:
    """Extract a .tar(.gz/.bz2/.xz) or .zip into ``target`` after checking every member; atomic."""
    archive, target = Path(archive), Path(target)
    tmp = target.with_name(target.name + ".extracting")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    _check_member(info.filename, tmp)
                    if (info.external_attr >> 16) & 0o170000 == 0o120000:
                        raise UnsafeArchiveError(f"refusing archive member {info.filename!r}: a symbolic link")
                z.extractall(tmp)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as t:
                members = t.getmembers()
                for m in members:
                    _check_member(m.name, tmp)
                    if not (m.isfile() or m.isdir()):
                        raise UnsafeArchiveError(f"refusing archive member {m.name!r}: not a plain file or folder "
                                                 "(a link or a device)")
                t.extractall(tmp, members=members, filter="data")
        else:
            raise UnsafeArchiveError(f"{archive.name} is neither a tar nor a zip archive")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


def fetch(name: str, root: Path | None = None, progress: bool = True) -> Path:
    """Download (once) and extract a registered dataset; returns its folder of images."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    spec = DATASETS[name]
    root = Path(root) if root else build_dir("datasets")
    folder = root / name
    done = folder / ".complete"
    if not done.exists():
        archive = download(spec.url, root / Path(spec.url).name, spec.checksum, progress)
        safe_extract(archive, folder)
        done.write_text(spec.checksum)
    return folder / spec.images
