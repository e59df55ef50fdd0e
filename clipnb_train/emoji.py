"""Named colour emoji from the npm registry: the everyday half of the bundled model's data.

Iconify publishes each emoji set as an npm package holding one ``icons.json`` (every icon's SVG
body under its name, e.g. ``woman-firefighter-medium-skin-tone``).  This module fetches the
pinned packages with the ordinary npm client, turns names into natural captions, renders the
SVGs with ``rsvg-convert`` and splits by *style*: one whole style (twemoji) is the test set and
another (streamline) the validation set, so a model is judged on drawings it has never seen.

Command::

    python -m clipnb_train.emoji build [--out DIR]     # ~4 min on 2 cores; needs npm and rsvg-convert

writes ``DIR/png/<style>/<name>.png`` (128 px on white) and ``DIR/emoji.parquet``
(style, name, concept, captions, split, licence).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# set -> (npm version of @iconify-json/<set>, SPDX licence, split). openmoji (CC-BY-SA: share-alike),
# fxemoji (names run together) and game-icons (monochrome, per-author credit missing) are left out.
SETS = {
    "noto": ("1.2.9", "Apache-2.0", "train"),
    "noto-v1": ("1.2.5", "Apache-2.0", "train"),
    "fluent-emoji-flat": ("1.2.6", "MIT", "train"),
    "fluent-emoji": ("1.2.7", "MIT", "train"),
    "emojione": ("1.2.3", "CC-BY-4.0", "train"),
    # monochrome drawings of the same emoji (``currentColor``), each rendered in one ink of INKS
    "emojione-monotone": ("1.2.1", "CC-BY-4.0", "train"),
    "fluent-emoji-high-contrast": ("1.2.6", "MIT", "train"),
    "streamline-emojis": ("1.2.4", "CC-BY-4.0", "val"),
    "twemoji": ("1.2.5", "CC-BY-4.0", "test"),
}
AUTHORS = {"noto": "Google Inc (noto-emoji)", "noto-v1": "Google Inc (noto-emoji, v1)",
           "fluent-emoji-flat": "Microsoft Corporation (fluentui-emoji, flat)",
           "fluent-emoji": "Microsoft Corporation (fluentui-emoji, colour)", "emojione": "Emoji One (emojitwo)",
           "emojione-monotone": "Emoji One (emojione, monotone)",
           "fluent-emoji-high-contrast": "Microsoft Corporation (fluentui-emoji, high contrast)",
           "streamline-emojis": "Streamline (streamline-vectors)", "twemoji": "Twitter (jdecked/twemoji)"}

TONES = ["light", "medium-light", "medium", "medium-dark", "dark"]
_TONE_RE = re.compile(r"-(medium-light|medium-dark|light|medium|dark)-skin-tone")
GENDERS = {"man": "man", "woman": "woman", "person": "person", "men": "men", "women": "women",
           "boy": "boy", "girl": "girl", "people": "people"}
GROUP_PREFIXES = ("family", "couple-with-heart", "kiss", "people-holding-hands", "men-holding-hands",
                  "women-holding-hands", "woman-and-man-holding-hands", "handshake")
# Unicode's vocabulary -> the talk's words (each extra word becomes another caption of the image)
SYNONYMS = {
    "hamburger": ["a burger", "a cheeseburger"],
    "health worker": ["doctor", "nurse"],
    "technologist": ["software engineer", "programmer"],
    "scientist": ["researcher"],
    "automobile": ["a car"],
    "evergreen tree": ["a pine tree", "a fir tree", "a tree"],
    "deciduous tree": ["a tree"],
    "snowflake": ["snow", "winter"],
    "snowman": ["winter", "snow"],
    "cloud with snow": ["snow", "winter"],
    "dog face": ["a dog"],
    "cat face": ["a cat"],
    "monkey face": ["a monkey"],
    "grinning face": ["a happy face"],
    "beaming face with smiling eyes": ["a happy face"],
    "smiling face with smiling eyes": ["a happy face"],
    "grinning face with big eyes": ["a happy face"],
    "slightly smiling face": ["a happy face"],
    "frowning face": ["a sad face"],
    "slightly frowning face": ["a sad face"],
    "crying face": ["a sad face"],
    "loudly crying face": ["a sad face"],
    "disappointed face": ["a sad face"],
    "pensive face": ["a sad face"],
}
# Names whose words mislead: a hot dog is no dog, a laughing cat face is an emotion first.
OVERRIDES = {
    "hot-dog": ["a hot dog sausage in a bun", "a hot dog", "a sausage"],
    "flower-playing-cards": ["flower playing cards", "hanafuda cards"],
    "kiss-mark": ["a lipstick kiss mark", "a kiss mark"],  # not a couple kissing
    "cat-face-with-tears-of-joy": ["tears of joy on a cat face", "a laughing cat"],
    "cat-with-tears-of-joy": ["tears of joy on a cat face", "a laughing cat"],
    "face-with-tears-of-joy": ["a face with tears of joy", "a laughing face", "a happy face"],
    "see-no-evil-monkey": ["the see-no-evil monkey", "a monkey covering its eyes"],
    "hear-no-evil-monkey": ["the hear-no-evil monkey", "a monkey covering its ears"],
    "speak-no-evil-monkey": ["the speak-no-evil monkey", "a monkey covering its mouth"],
    # names that read as broken English with an article: a sign, a symbol, a clock face
    "no-one-under-eighteen": ["a no one under eighteen sign", "an adults only sign"],
    "multiply": ["a multiplication sign", "a times sign"],
    "one-piece-swimsuit": ["a one-piece swimsuit", "a swimsuit"],
    "seven-thirty": ["a clock at seven thirty", "a clock"],
}
_VOWEL = re.compile(r"^[aeiou]")
MAX_TONED_PER_BASE = 2  # skin-tone variants kept per (style, name without tone): half the data otherwise


def strip_tone(name: str, names: set[str]) -> tuple[str, str | None]:
    """``woman-firefighter-medium-skin-tone`` -> (``woman-firefighter``, "medium skin tone").

    fluent's bare suffixes (``-light``, ``-dark``) are stripped only where all five tone
    variants of the base exist in the same set: ``police-car-light`` is not a skin tone.
    """
    tones = _TONE_RE.findall(name)
    if tones:
        tone = " and ".join(dict.fromkeys(tones)) + " skin tone"
        return _TONE_RE.sub("", name), tone
    for tone in sorted(TONES, key=len, reverse=True):
        if name.endswith("-" + tone):
            base = name[: -len(tone) - 1]
            if all(f"{base}-{t}" in names for t in TONES):
                return base, f"{tone} skin tone"
    return name, None


def strip_number(name: str) -> str:
    """streamline's numbered variants: ``man-health-worker-2`` -> ``man-health-worker``."""
    return re.sub(r"-\d$", "", name) if re.search(r"[a-z]-\d$", name) else name


def _article(phrase: str) -> str:
    """'cat with wry smile' -> 'a cat with wry smile'; plurals ('crossed flags') keep none."""
    head = re.split(r" (?:with|of|in|on|for|and|at|from) ", phrase)[0]
    if re.match(r"^(a|an|the|two|some)\b", phrase) or head.endswith("s") and not head.endswith("ss"):
        return phrase
    return ("an " if _VOWEL.match(phrase) else "a ") + phrase


def captions_for(name: str, names: set[str] | frozenset = frozenset()) -> tuple[str, list[str]]:
    """(concept, captions) for one icon name; the first caption is the main one.

    >>> captions_for("woman-firefighter-medium-skin-tone")[1][0]
    'a woman firefighter, medium skin tone'
    """
    base, tone = strip_tone(name, set(names))
    base = strip_number(base)
    concept = base
    suffix = f", {tone}" if tone else ""
    if base in OVERRIDES:
        return concept, [OVERRIDES[base][0] + suffix, *OVERRIDES[base][1:]]
    if base.startswith("flag-") and len(base) > 5 and base != "flag-in-hole":
        place = base[5:].removeprefix("for-")  # emojione/twemoji say "flag-for-palau"
        country = " ".join(w if w in {"and", "of", "the"} else w.capitalize() for w in place.split("-"))
        return concept, [f"the flag of {country}", f"a flag of {country}", "a flag"]
    for prefix in GROUP_PREFIXES:
        if base == prefix or base.startswith(prefix + "-"):
            words = prefix.replace("-", " ")
            members = base[len(prefix):].strip("-").replace("-", " ")
            main = _article(words)
            extra = [f"{main}: {members}"] if members and len(members.split()) <= 4 else []
            return prefix, [main + suffix, *extra]
    words = base.replace("-", " ")
    first, _, rest = words.partition(" ")
    captions = [_article(words) + suffix]
    if first in GENDERS and rest:
        # "woman firefighter" -> also "a female firefighter", "a firefighter", "a woman"
        gender = first
        # "running" is an action: "a person running", not "a running"
        captions.append(f"a person {rest}" if rest.split()[0].endswith("ing") else _article(rest))
        if gender in ("man", "woman"):
            adjective = "male" if gender == "man" else "female"
            action = rest.split()[0].endswith("ing")  # "a man running" has no "a male running"
            captions += ([] if action else [f"a {adjective} {rest}"]) + [f"a {gender}"]
        for key, synonyms in SYNONYMS.items():
            if rest == key:
                for s in synonyms:
                    s = s.removeprefix("a ")
                    captions += [_article(s)] + ([f"a {gender} {s}"] if gender != "person" else [])
                    if gender in ("man", "woman"):
                        captions.append(f"a {'male' if gender == 'man' else 'female'} {s}")
    elif words in SYNONYMS:
        captions += [_article(s) for s in SYNONYMS[words]]
    return concept, list(dict.fromkeys(captions))


def fetch(set_name: str, cache: Path, version: str | None = None, sha256: str | None = None) -> dict:
    """The set's ``icons.json`` from its pinned npm package (``npm pack``), checked by SHA-256.

    version, sha256 : the pin (default: this module's ``SETS`` and ``PINNED_SHA256``; ``clipnb_train.icons``
    passes its own).
    """
    version = version or SETS[set_name][0]
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"iconify-json-{set_name}-{version}.tgz"
    if not tarball.exists():
        try:
            subprocess.run(["npm", "pack", f"@iconify-json/{set_name}@{version}", "--pack-destination", str(cache)],
                           check=True, capture_output=True, timeout=600)
        except FileNotFoundError as error:
            raise RuntimeError("npm not found: install Node.js (apt-get install npm) to fetch the emoji sets") from error
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"npm pack @iconify-json/{set_name}@{version} failed: {error.stderr.decode()[-500:]}")
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    expected = sha256 or PINNED_SHA256.get(set_name)
    if expected and digest != expected:
        tarball.unlink()
        raise RuntimeError(f"{tarball.name}: SHA-256 {digest} is not the pinned {expected}; the file was removed, "
                           "run the build again (or update PINNED_SHA256 if the package was republished)")
    with tarfile.open(tarball) as tar:
        return json.load(tar.extractfile("package/icons.json"))


# inks for monochrome drawings (``currentColor``): dark enough to read on white, one per icon by a hash of its name
INKS = ["#000000", "#3c3c3c", "#1f3a93", "#8e1b1b", "#1d6b32", "#5b2c83", "#7a4a12", "#00696b", "#c24e00", "#2f6fd6"]


def ink(style: str, name: str) -> str:
    """The colour a monochrome icon is drawn in: a stable hash of (style, name) picks one of INKS."""
    return INKS[int(hashlib.sha1(f"{style}/{name}".encode()).hexdigest(), 16) % len(INKS)]


def select(icon_set: dict, style: str = "") -> list[tuple[str, str]]:
    """(name, svg) for every shown icon, skin-tone variants downsampled; aliases add nothing.

    A monochrome set's ``currentColor`` becomes one of :data:`INKS` per icon (rsvg would draw it black).
    """
    width, height = icon_set.get("width", 16), icon_set.get("height", 16)
    icons = {n: i for n, i in icon_set["icons"].items() if not i.get("hidden")}
    names = set(icons)
    by_base: dict[str, list[str]] = {}
    for name in sorted(names):
        base, tone = strip_tone(name, names)
        by_base.setdefault(base, []).append(name) if tone else None
    keep = set(names)
    for base, toned in by_base.items():
        toned.sort(key=lambda n: hashlib.sha1(n.encode()).hexdigest())
        keep -= set(toned[MAX_TONED_PER_BASE:])
    out = []
    for name in sorted(keep):
        icon = icons[name]
        w, h = icon.get("width", width), icon.get("height", height)
        left, top = icon.get("left", 0), icon.get("top", 0)
        body = icon["body"].replace("currentColor", ink(style, name))
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
               f'width="{w}" height="{h}" viewBox="{left} {top} {w} {h}">{body}</svg>')
        out.append((name, svg))
    return out


def render_svg(svg: str, png: Path, size: int) -> bool:
    """Render SVG text to a square PNG on white; False if rsvg fails or the result is blank."""
    from PIL import Image, ImageOps

    try:
        result = subprocess.run(["rsvg-convert", "-a", "-w", str(size), "-h", str(size), "-b", "white"],
                                input=svg.encode(), check=True, capture_output=True, timeout=60)
        with Image.open(io.BytesIO(result.stdout)) as im:
            im = ImageOps.pad(im.convert("RGB"), (size, size), color="white")
        lo, hi = im.convert("L").getextrema()
        if hi - lo < 8:
            return False
        tmp = png.with_suffix(".tmp.png")
        im.save(tmp, optimize=True)
        os.replace(tmp, png)
        return True
    except (subprocess.SubprocessError, OSError):
        return False


def build(out: Path, size: int = 128, sets=tuple(SETS), workers: int | None = None):
    """Fetch, caption and render every set; write ``emoji.parquet``; resumes where it stopped."""
    import pandas as pd

    rows = []
    for set_name in sets:
        icon_set = fetch(set_name, out / "npm")
        names = set(icon_set["icons"])
        for name, svg in select(icon_set, set_name):
            concept, captions = captions_for(name, names)
            rows.append({"style": set_name, "name": name, "concept": concept, "captions": captions,
                         "caption": captions[0], "split": SETS[set_name][2], "licence": SETS[set_name][1],
                         "svg": svg})
    table = write_rendered(pd.DataFrame(rows), out, "emoji", size, workers)
    print(f"{len(table)} emoji rendered into {out}; by split: {table['split'].value_counts().to_dict()}")
    return table


def write_rendered(table, out: Path, name: str, size: int = 128, workers: int | None = None):
    """Render each row's ``svg`` to ``out/png/<style>/<name>.png`` (kept if already there), drop the rows that
    fail, and write the rest as ``out/<name>.parquet`` (atomically) with each image's ``path``."""
    from tqdm.auto import tqdm

    def one(row):
        png = out / "png" / row.style / f"{row.name}.png"
        png.parent.mkdir(parents=True, exist_ok=True)
        return png.exists() or render_svg(row.svg, png, size)

    with ThreadPoolExecutor(workers or os.cpu_count()) as pool:
        ok = list(tqdm(pool.map(one, table.itertuples()), total=len(table), desc=f"render {name}", mininterval=10))
    failed = table.loc[[not o for o in ok], ["style", "name"]]
    if len(failed):
        print(f"{len(failed)} icons failed to render or were blank and were skipped, e.g. "
              + ", ".join(f"{s}:{n}" for s, n in failed.head(5).itertuples(index=False)))
    table = table[ok].drop(columns="svg").reset_index(drop=True)
    table["path"] = [f"png/{s}/{n}.png" for s, n in zip(table["style"], table["name"])]
    tmp = out / f"{name}.parquet.tmp"
    table.to_parquet(tmp)
    os.replace(tmp, out / f"{name}.parquet")
    return table


# SHA-256 of each pinned tarball, as npm served it on 2026-11-23 (the two monochrome sets on 2026-11-30)
PINNED_SHA256 = {
    "noto": "3e918d88fc945c0bb3d468dbace6f88caef67f01c9f0e7bcae0915a042e8f1ad",
    "noto-v1": "2bf62c26c2c2884aa99e90aec942cdaee17a5921f05690694f4978ad4b017c37",
    "fluent-emoji-flat": "7d064769dee690815f823bc5bcc511d957198caf9f5edd8dd9c1aa48a6aeb175",
    "fluent-emoji": "8044210dbf11e016d4de85f15d01a243423bd832457e7e2491df1b751c0e272b",
    "emojione": "26a14f44284407e8bcde91799388dca2bfd91dbcd55a97f425524a1c5b73610e",
    "emojione-monotone": "40b90004bafb406b59266155ef9b7e1dd67bf2947fc8db8d07388776f4d0d04e",
    "fluent-emoji-high-contrast": "0b92d48c90d2200bd499e3cdd09a127ca6a8c8ddefd34c35eb5a1e4994012ae0",
    "streamline-emojis": "5dac87c876b322500989828c5823143e0100d78881627a2e4081a4b897cbfdbc",
    "twemoji": "19046dff7d8707ce96212ec86468b36ac5f8e60409629dd13f809265c6d0ebb7",
}


def default_dir() -> Path:
    from clipnb.cache import build_dir

    return build_dir("emoji")


def emoji_table(emoji_dir: Path, split: str = "test"):
    """One split of the emoji build as a table, with each image's file (``png``) and its concept's words."""
    import pandas as pd

    table = pd.read_parquet(Path(emoji_dir) / "emoji.parquet")
    table = table[table["split"] == split].reset_index(drop=True)
    table["png"] = [str(Path(emoji_dir) / p) for p in table["path"]]
    table["words"] = table["concept"].str.replace("-", " ")
    return table


def build_command(module: str, description: str, build, default_dir, argv=None):
    """``python -m clipnb_train.<module> build [--out DIR] [--size PX]``: the emoji and icon builds' command line."""
    parser = argparse.ArgumentParser(prog=f"python -m clipnb_train.{module}", description=description)
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the clipnb cache)")
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args(argv)
    build(args.out or default_dir(), size=args.size)


def main(argv=None):
    build_command("emoji", __doc__.split("\n")[0], build, default_dir, argv)


if __name__ == "__main__":
    main()
