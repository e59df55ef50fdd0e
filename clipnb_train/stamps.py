"""Tux Paint's stamps from Debian: pictures of things, most of them cut-out photographs, each with a sentence.

Every other training picture is a drawing (emoji, icons, clip-art, scenes composed of emoji). The image trunk
has seen ImageNet's photos, but heads trained on drawings alone map a photo's features where no caption lies:
`bundled`'s first heads read the sample corpus's cat photo as "grass". Tux Paint's stamp collection (Debian
``tuxpaint-stamps-default``, GPL-2) holds about 800 pictures of animals, food, plants, vehicles, tools and
clothes, most of them photos cut out on a transparent ground, each with an English sentence ("A european
bear.") in the ``.txt`` beside it. They teach the heads where photos of things lie; the ImageNet term keeps
the trunk's own reading of them.

Left out: the alphabets (letters and finger-spelling, not things), and the few mirrored copies that carry no
sentence of their own. One in seven stamps (by a hash of its file name) is held out as the **photo validation
split**, so that recipes are chosen on photos too; the sample corpus's nine photos stay test.

Command::

    python -m clipnb_train.stamps build [--out DIR]     # ~1 min; needs apt-get and dpkg-deb

writes ``DIR/png/<folder>/<name>.png`` (224 px on white, the picture centred with a margin) and
``DIR/stamps.parquet`` (style, name, concept, captions, caption, split, licence, path), the emoji build's columns.
"""
from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from clipnb.cache import build_dir

PACKAGE, VERSION = "tuxpaint-stamps-default", "2022.06.04-1"
DEB_SHA256 = "6db6c1bfc870a47f1499d6203b083522eacb57c5f9c87d468f2e92eb6d9d5f34"
STAMPS = Path("usr/share/tuxpaint/stamps")
LICENCE = "GPL-2.0-or-later"
SKIPPED = ("symbols/alphabets/",)
VALIDATION_SHARE = 7  # one in seven


def default_dir() -> Path:
    return build_dir("stamps")


def fetch(cache: Path) -> Path:
    """The package's files, unpacked under ``cache/deb``: ``apt-get download`` of the pinned version, checked by
    SHA-256 (a mismatch deletes the file and stops), then ``dpkg-deb -x`` (nothing is installed)."""
    cache.mkdir(parents=True, exist_ok=True)
    unpacked = cache / "deb"
    if (unpacked / STAMPS).is_dir():
        return unpacked
    deb = cache / f"{PACKAGE}_{VERSION}_all.deb"
    if not deb.exists():
        try:
            subprocess.run(["apt-get", "download", f"{PACKAGE}={VERSION}"], cwd=cache, check=True,
                           capture_output=True, timeout=900)
        except (OSError, subprocess.CalledProcessError) as error:
            raise SystemExit(f"could not download {PACKAGE}={VERSION} with apt-get ({error}); on a Debian machine "
                             f"with its registry reachable, run `apt-get download {PACKAGE}={VERSION}` in {cache}")
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    if digest != DEB_SHA256:
        deb.unlink()
        raise SystemExit(f"{deb.name} has SHA-256 {digest}, not the pinned {DEB_SHA256}: deleted; "
                         "check the Debian mirror, or pin the new version after looking at it")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked.with_suffix(".tmp"))], check=True, timeout=600)
    unpacked.with_suffix(".tmp").replace(unpacked)
    return unpacked


def sentence_caption(text: str) -> str:
    """The first line of a stamp's ``.txt``, as a caption.

    >>> sentence_caption("A european bear.")
    'a european bear'
    >>> sentence_caption("A US “Sacagawea” dollar ($1.00).")
    'a US "Sacagawea" dollar ($1.00)'
    >>> sentence_caption("Balsam.")
    'balsam'
    """
    line = text.strip().splitlines()[0].strip().rstrip(".").replace("“", '"').replace("”", '"')
    return line[:1].lower() + line[1:]


def concept_of(name: str) -> str:
    """The file name as a concept: digits, mirror and copy marks gone. ``frog-1`` -> ``frog``."""
    name = re.sub(r"[_-](mirror|\d+)$", "", name.lower())
    return re.sub(r"[_-]+", " ", re.sub(r"^\d+", "", name)).strip()


def split_of(relative: str) -> str:
    return "val" if int(hashlib.sha256(relative.encode()).hexdigest(), 16) % VALIDATION_SHARE == 0 else "train"


def collect(root: Path):
    """One row per stamp picture that has its own sentence, skipping :data:`SKIPPED`."""
    import pandas as pd

    rows = []
    for png in sorted((root / STAMPS).rglob("*.png")):
        relative = png.relative_to(root / STAMPS).as_posix()
        text = png.with_suffix(".txt")
        if relative.startswith(SKIPPED) or not text.exists():
            continue
        caption = sentence_caption(text.read_text(encoding="utf-8", errors="replace"))
        folder = png.parent.relative_to(root / STAMPS).as_posix()
        rows.append({"style": "stamps", "name": relative[:-4], "concept": concept_of(png.stem),
                     "captions": [caption], "caption": caption, "folder": folder, "split": split_of(relative),
                     "licence": LICENCE, "source_file": str(png)})
    return pd.DataFrame(rows)


def render(source: Path, target: Path, size: int):
    """The stamp on white, scaled to fit ``size`` with a 6 % margin, centred."""
    from PIL import Image

    with Image.open(source) as im:
        im = im.convert("RGBA")
        box = im.getbbox() or (0, 0, *im.size)
        im = im.crop(box)
        inner = round(size * 0.88)
        im.thumbnail((inner, inner), Image.LANCZOS)
        canvas = Image.new("RGBA", (size, size), "white")
        canvas.alpha_composite(im, ((size - im.width) // 2, (size - im.height) // 2))
    target.parent.mkdir(parents=True, exist_ok=True)
    canvas.convert("RGB").save(target.with_suffix(".tmp.png"))
    target.with_suffix(".tmp.png").replace(target)


def build(out: Path, size: int = 224):
    from tqdm.auto import tqdm

    out = Path(out)
    table = collect(fetch(out))
    paths = []
    for row in tqdm(table.itertuples(), total=len(table), desc="render stamps", mininterval=10):
        path = Path("png") / f"{row.name}.png"
        if not (out / path).exists():
            render(Path(row.source_file), out / path, size)
        paths.append(str(path))
    table["path"] = paths
    table = table.drop(columns="source_file")
    table.to_parquet(out / "stamps.tmp.parquet")
    (out / "stamps.tmp.parquet").replace(out / "stamps.parquet")
    print(f"wrote {out / 'stamps.parquet'}: {len(table)} stamps, {int((table['split'] == 'val').sum())} held out")


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m clipnb_train.stamps", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the clipnb cache)")
    parser.add_argument("--size", type=int, default=224, help="pixels (the trunk reads 224)")
    args = parser.parse_args(argv)
    build(args.out or default_dir(), size=args.size)


if __name__ == "__main__":
    main()
