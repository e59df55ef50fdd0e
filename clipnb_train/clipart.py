"""Build the bundled model's training data from Debian's ``openclipart-svg``.

8,121 public-domain SVG clip-arts (7,458 distinct files) with titles and keywords.
Titles are noisy like web alt-text: many are collection names ("gramastar",
"Part of the Flat Icon Collection …"), so a caption is assembled from the
cleaned title, the folder path, the keywords and the filename's words.

Command::

    python -m clipnb_train.clipart build [--out DIR] [--size 128]

writes ``DIR/png/<sha1>.png`` (square, white background) and
``DIR/clipart.parquet`` (one row per distinct image: path, title, keywords,
caption, top-level folder, split).  Rendering takes ~5 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import html
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SVG_ROOT = Path("/usr/share/openclipart/svg")
SPLIT_SEED = 0
VAL_FRACTION = 0.1
TEST_FRACTION = 0.1

# Folder names that say little, and leaf folders better said in plain words.
_FOLDER_STOP = {"svg", "icons", "icon", "theme", "unsorted", "special", "misc", "various",
                "flat-theme", "lemon-theme", "etiquette-theme", "action", "actions", "apps",
                "applications", "mimetypes", "filesystems", "devices", "simple"}
_FOLDER_WORDS = {"housecats": "cat", "big_cats": "big cat", "dogs": "dog", "horses": "horse",
                 "bears": "bear", "birds": "bird", "bugs": "bug insect", "fish": "fish",
                 "mammals": "animal", "people": "person", "homes": "house",
                 "signs_and_symbols": "sign symbol", "aiga-symbols": "sign", "roadsigns": "road sign",
                 "map_symbols": "map symbol", "led": "led digit", "stars": "star",
                 "transportation": "transport", "recreation": "", "geography": "map",
                 "containers": "container", "buildings": "building", "plants": "plant",
                 "decorations": "decoration", "electronics": "electronics",
                 "vehicles": "vehicle", "fruit": "fruit", "desserts": "dessert", "cards": "playing card",
                 "flags": "flag", "clocks": "clock", "trees": "tree", "flowers": "flower"}
MAX_PER_FOLDER = 300  # 1,378 near-identical "gramastar" stars would swamp everything else
_KEYWORD_STOP = {"", "hash", "icon", "icons", "theme", "svg", "clipart", "clip art", "clip_art",
                 "openclipart", "lemon_theme_icon", "mapsym", "image", "picture", "media",
                 "signs_and_symbols", "recreation", "computer", "special", "unsorted", "remix"}


def _tags(text: str, tag: str) -> list[str]:
    return [html.unescape(m).strip() for m in re.findall(rf"<{tag}>(.*?)</{tag}>", text, re.S)]


def _words(text: str) -> str:
    """'jigsaw_red_10' -> 'jigsaw red'; drops digits and lone letters."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    tokens = re.split(r"[^A-Za-z]+", text)
    return " ".join(t.lower() for t in tokens if len(t) > 1)


def read_metadata(svg_path: Path) -> dict:
    """Title, keywords and creator of one SVG (empty strings where missing)."""
    text = svg_path.read_text(errors="replace")
    work = re.search(r"<cc:Work.*?</cc:Work>", text, re.S)
    work_text = work.group(0) if work else text
    title = next(iter(_tags(work_text, "dc:title")), "")
    subject = re.search(r"<dc:subject>(.*?)</dc:subject>", work_text, re.S)
    keywords = _tags(subject.group(1), "rdf:li") if subject else []
    creator = re.search(r"<dc:creator>(.*?)</dc:creator>", work_text, re.S)
    creator_name = next(iter(_tags(creator.group(1), "dc:title")), "") if creator else ""
    return {"title": title, "keywords": [k for k in keywords if k], "creator": creator_name}


def clean_title(title: str, title_counts: collections.Counter) -> str:
    """A title used by 5+ files is a collection name, not a description."""
    m = re.match(r"Clipart by Nicu Buculei - (.*)", title)
    if m:
        return _words(m.group(1))
    if title_counts[title] >= 5 or re.search(r"collection|theme|iconset|submission|sibmission", title, re.I):
        return ""
    return _words(title)


def filename_words(path: Path, creator: str) -> str:
    """Words of the file name, minus the author's name (often truncated) and numbers."""
    author = {w for w in _words(creator).split()}
    keep = []
    for w in _words(path.stem).split():
        if any(a.startswith(w) or w.startswith(a) for a in author if len(w) >= 2):
            continue
        keep.append(w)
    return " ".join(keep)


def folder_words(rel_path: Path) -> list[str]:
    out = []
    for part in rel_path.parent.parts:
        if part in _FOLDER_STOP:
            continue
        word = _FOLDER_WORDS.get(part, _words(part))
        if word:
            out.append(word)
    return out


def make_caption(title: str, file_words: str, folders: list[str], keywords: list[str]) -> str:
    """One caption: description first (title, else file name), then folder and keyword words."""
    keywords = [k for k in map(_words, keywords) if k not in _KEYWORD_STOP]
    words: list[str] = []
    for phrase in [title or file_words, *reversed(folders), *keywords]:
        phrase = _words(phrase)
        if phrase and phrase not in words:
            words.append(phrase)
    return ", ".join(words[:6]) or "clip art"


def _split_for(key: str, folder: str) -> str:
    # Stratified by top-level folder: a stable hash of (seed, folder, file) decides.
    h = int(hashlib.sha1(f"{SPLIT_SEED}/{folder}/{key}".encode()).hexdigest()[:8], 16) / 2**32
    return "test" if h < TEST_FRACTION else "val" if h < TEST_FRACTION + VAL_FRACTION else "train"


def collect(svg_root: Path = SVG_ROOT):
    """Metadata for every distinct SVG (duplicates across folders are kept once)."""
    import pandas as pd

    if not svg_root.is_dir():
        raise FileNotFoundError(f"{svg_root} not found: install Debian's openclipart-svg "
                                "(apt-get install openclipart-svg librsvg2-bin)")
    rows, seen = [], set()
    for path in sorted(svg_root.rglob("*.svg")):
        digest = hashlib.sha1(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        rel = path.relative_to(svg_root)
        rows.append({"sha1": digest, "svg": str(rel), "folder": rel.parts[0], **read_metadata(path)})
    table = pd.DataFrame(rows)
    leaf = table["svg"].map(lambda s: str(Path(s).parent))
    rank = table["sha1"].groupby(leaf).rank(method="first")  # sha1 order: a fixed, seedless sample
    table = table[rank <= MAX_PER_FOLDER].reset_index(drop=True)
    counts = collections.Counter(table["title"])
    table["clean_title"] = [clean_title(t, counts) for t in table["title"]]
    table["caption"] = [
        make_caption(r.clean_title, filename_words(Path(r.svg), r.creator),
                     folder_words(Path(r.svg)) or [_FOLDER_WORDS.get(r.folder, _words(r.folder))],
                     [k for k in r.keywords if k.lower() not in _KEYWORD_STOP
                      and _words(k) != _words(r.creator)])
        for r in table.itertuples()]
    table["split"] = [_split_for(s, f) for s, f in zip(table["sha1"], table["folder"])]
    return table


def render(svg: Path, png: Path, size: int) -> bool:
    """Render to a square PNG on white; False if rsvg fails or the result is blank."""
    from PIL import Image, ImageOps

    tmp = png.with_suffix(".tmp.png")
    try:
        subprocess.run(["rsvg-convert", "-a", "-w", str(size), "-h", str(size), "-b", "white",
                        str(svg), "-o", str(tmp)], check=True, capture_output=True, timeout=60)
        with Image.open(tmp) as im:
            im = ImageOps.pad(im.convert("RGB"), (size, size), color="white")
        lo, hi = im.convert("L").getextrema()
        if hi - lo < 8:  # blank render
            return False
        im.save(tmp, optimize=True)
        os.replace(tmp, png)
        return True
    except (subprocess.SubprocessError, OSError):
        return False
    finally:
        tmp.unlink(missing_ok=True)


def build(out: Path, size: int = 128, svg_root: Path = SVG_ROOT, workers: int | None = None):
    """Render every distinct clip-art and write ``clipart.parquet``; resumes where it stopped."""
    from tqdm.auto import tqdm

    table = collect(svg_root)
    (out / "png").mkdir(parents=True, exist_ok=True)

    def one(row):
        png = out / "png" / f"{row.sha1}.png"
        return png.exists() or render(svg_root / row.svg, png, size)

    with ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        ok = list(tqdm(pool.map(one, table.itertuples()), total=len(table), desc="render"))
    table["rendered"] = ok
    table = table[table["rendered"]].drop(columns="rendered").reset_index(drop=True)
    tmp = out / "clipart.parquet.tmp"
    table.to_parquet(tmp)
    os.replace(tmp, out / "clipart.parquet")
    print(f"{len(table)} images rendered into {out}; splits: {table['split'].value_counts().to_dict()}")
    return table


def default_dir() -> Path:
    from clipnb.cache import build_dir

    return build_dir("openclipart")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m clipnb_train.clipart", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build"], help="build: render the SVGs (data/samples: python -m clipnb_train.samples)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the clipnb cache)")
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args(argv)
    build(args.out or default_dir(), size=args.size)


if __name__ == "__main__":
    main()
