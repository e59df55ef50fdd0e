"""Named monochrome icon sets from the npm registry: more pictures of each thing, in line-drawing styles.

The emoji build gives about five colour drawings per concept. Icon sets draw many of the same things
(a cat, a dog, a tree, a car, a doctor, a running person, a happy face) as plain shapes and strokes. Drawn in
varied inks and stroke widths, they teach the image tower a thing's *shape* apart from any one style.

Icon sets name their icons for interfaces (``cart-plus``, ``file-lock-outline``, ``brand-github``): an icon is
kept only when its name, once its style suffixes are gone, is at most three words and names no interface
action (:data:`UI_WORDS`). Captions come from the name (:func:`captions_for`), each rule a unit test in
``tests/test_icons.py``. Every icon is training data: the test style (twemoji) and the validation style
(streamline) stay emoji.

Command::

    python -m clipnb_train.icons build [--out DIR]     # ~5 min on 2 cores; needs npm and rsvg-convert

writes ``DIR/png/<set>/<name>.png`` (128 px on white) and ``DIR/icons.parquet`` (style, name, concept,
captions, caption, split, licence, path), the emoji build's columns.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from clipnb_train.emoji import _article, build_command, fetch, ink, write_rendered

# set -> (npm version of @iconify-json/<set>, SPDX licence, author, SHA-256 of the tarball as npm served it on
# 2026-11-30). Left out: game-icons (CC BY 3.0, but Iconify's package does not name each icon's author),
# flat-color-icons (interface pictures), streamline-* (the validation style's family).
SETS = {
    "mdi": ("1.2.3", "Apache-2.0", "Pictogrammers (Material Design Icons)",
            "ddd817a7213f91de51147943915c0cda8c8b818a53c92b5c068cfa9883c6d7ac"),
    "tabler": ("1.2.41", "MIT", "Paweł Kuna (Tabler Icons)",
               "3bf99af156d28d05568aff524a35ed1ba238df640a7835a5e02e1f8e439685f6"),
    "ph": ("1.2.2", "MIT", "Phosphor Icons",
           "e3a582a047d9829fc7e8842c660d8065e598d1b68bb58cb68e75a1f1e5a614cc"),
    "lucide": ("1.2.137", "ISC", "Lucide contributors",
               "e74db8c3a55fff55bc82de21268c4bced9f65ff10aacc0d5f3a395b0e93243c3"),
    "healthicons": ("1.2.13", "MIT", "Health Icons (Resolve to Save Lives)",
                    "4c2552c45737788a6599da3c5b72610c7fb4e7f87075d401c56fa16d487d4caf"),
    "icon-park": ("1.2.4", "Apache-2.0", "ByteDance (IconPark)",
                  "c1a25212a31602aca93c3fa6f6b3288e89b9d7811afc132dfd78506e9d586b6f"),
}
# trailing words that name a drawing style, not a thing (ph's weights, mdi's outline, healthicons' sizes)
STYLE_WORDS = {"outline", "outlined", "filled", "fill", "bold", "thin", "light", "duotone", "regular", "24px",
               "alt", "variant", "simple", "one", "two", "three", "four", "solid", "line", "sharp", "round"}
# words of interface actions and widgets: an icon that has one is a button, not a picture of a thing
UI_WORDS = set("""off plus minus remove add check alert arrow arrows lock unlock edit cog settings search sync refresh
box alpha numeric number letter format file files folder brand logo chevron chevrons caret align x slash text table
layout sort filter dashed badge cancel question exclamation share network download upload marker ui rdt chart
invoice database message chat pen pencil cursor toggle window panel sidebar border code git api key wifi bluetooth
battery signal sim usb ethernet cellphone phone tablet monitor laptop keyboard mouse printer screen device devices
play pause stop rewind forward skip repeat shuffle volume mute undo redo zoom crop rotate flip grid list view
login logout exit enter open close link unlink copy paste cut clipboard save delete trash bin history timer
notification bell label tag bookmark flag pin map compass navigation location gps route directions dots menu
more ellipsis hash at percent currency dollar euro pound yen bitcoin cash credit card receipt qrcode barcode
equal divide multiply sum function variable math square circle triangle hexagon pentagon octagon rectangle
frame shape shapes vector bezier path node nodes point points cloud server storage disk harddisk memory cpu
account accounts user users group contact contacts id cellphone""".split())
UI_WORDS -= {"cloud"}  # a cloud is a thing a learner searches for
# names whose words say the thing poorly: name (without style words) -> captions
NAMES = {
    "human-male": ["a man", "a male person"], "human-female": ["a woman", "a female person"],
    "human": ["a person"], "human-child": ["a child"], "face-man": ["a man's face", "a man"],
    "face-woman": ["a woman's face", "a woman"], "man": ["a man"], "woman": ["a woman"],
    "doctor": ["a doctor", "a health worker"], "doctor-female": ["a female doctor", "a woman doctor", "a doctor", "a woman"],
    "doctor-male": ["a male doctor", "a man doctor", "a doctor", "a man"],
    "nurse": ["a nurse", "a health worker"], "health-worker": ["a health worker", "a doctor", "a nurse"],
    "running": ["a person running", "a runner"], "run": ["a person running", "a runner"],
    "walk": ["a person walking"], "walking": ["a person walking"], "person-simple-run": ["a person running", "a runner"],
    "person-simple-walk": ["a person walking"], "person-simple-bike": ["a person riding a bike", "a cyclist"],
    "person-simple-ski": ["a person skiing", "a skier"], "person-simple-swim": ["a person swimming", "a swimmer"],
    "run-fast": ["a person running fast", "a runner"], "bike": ["a bike", "a bicycle"],
    "emoticon-happy": ["a happy face", "a smiling face"], "emoticon-sad": ["a sad face", "a frowning face"],
    "emoticon": ["a smiling face", "a happy face"], "emoticon-cry": ["a crying face", "a sad face"],
    "mood-happy": ["a happy face", "a smiling face"], "mood-sad": ["a sad face", "a frowning face"],
    "mood-cry": ["a crying face", "a sad face"], "mood-smile": ["a smiling face", "a happy face"],
    "smiley": ["a smiley face", "a happy face"], "smiley-sad": ["a sad face", "a frowning face"],
    "happy": ["a happy face"], "sad": ["a sad face"], "emotion-happy": ["a happy face"], "emotion-unhappy": ["a sad face"],
    "face-smile": ["a smiling face", "a happy face"], "face-frown": ["a frowning face", "a sad face"],
    "cat": ["a cat"], "dog": ["a dog"], "dog-side": ["a dog"],
    "pine-tree": ["a pine tree", "a tree"], "tree-pine": ["a pine tree", "a tree"], "tree-deciduous": ["a tree"],
    "tree": ["a tree"], "trees": ["trees", "a forest"], "forest": ["a forest", "trees"], "snowflake": ["a snowflake", "snow"],
    "weather-snowy": ["snow falling from a cloud", "snow"], "cloud-snow": ["snow falling from a cloud", "snow"],
    "food-apple": ["an apple"], "hamburger": ["a burger", "a hamburger"], "burger": ["a burger", "a hamburger"],
    "car-side": ["a car"], "car-front": ["a car"], "car-hatchback": ["a car", "a hatchback"],
}
# a set's own name for a brand: mdi's and IconPark's "apple" is the Apple logo (their fruit is "food-apple", "apple-one")
BRANDS = {("mdi", "apple"): ["the Apple logo", "a logo"], ("icon-park", "apple"): ["the Apple logo", "a logo"]}
MAX_WORDS = 3
PH_WEIGHTS_KEPT = 2  # Phosphor draws each icon in six weights: two per icon (by a hash of its name) are kept


def base_name(name: str) -> str:
    """The name without its trailing style words: ``cat-outline`` -> ``cat``; ``dog-bold`` -> ``dog``."""
    words = name.split("-")
    while len(words) > 1 and (words[-1] in STYLE_WORDS or words[-1].isdigit()):
        words.pop()
    return "-".join(words)


def captions_for(name: str) -> tuple[str, list[str]] | None:
    """(concept, captions) for an icon's name, or None when the name is an interface widget.

    >>> captions_for("doctor-female-outline")
    ('doctor-female', ['a female doctor', 'a woman doctor', 'a doctor', 'a woman'])
    >>> captions_for("cart-plus") is None
    True
    """
    base = base_name(name)
    words = base.split("-")
    if base in NAMES:
        return base, list(NAMES[base])
    if len(words) > MAX_WORDS or any(w in UI_WORDS or w.isdigit() or len(w) < 2 for w in words):
        return None
    return base, [_article(" ".join(words))]


def stroke_width(style: str, name: str) -> float | None:
    """A stroke set's line width for this icon: its default × 0.7, 1 or 1.4 by a hash (None for fill sets)."""
    default = {"tabler": 2.0, "lucide": 2.0, "icon-park": 4.0}.get(style)
    if default is None:
        return None
    return default * (0.7, 1.0, 1.4)[int(hashlib.sha1(f"w/{style}/{name}".encode()).hexdigest(), 16) % 3]


def select(icon_set: dict, style: str) -> list[tuple[str, str, str, list[str]]]:
    """(name, svg, concept, captions) for each kept icon, in its ink and stroke width."""
    width, height = icon_set.get("width", 16), icon_set.get("height", 16)
    out = []
    for name, icon in sorted(icon_set["icons"].items()):
        if icon.get("hidden") or name.endswith("-24px"):  # healthicons' 24-px grid redraws its 48-px icons
            continue
        if style == "ph":  # six weights per icon; keep PH_WEIGHTS_KEPT of them
            weights = ["", "-bold", "-duotone", "-fill", "-light", "-thin"]
            base = next((name[: -len(w)] for w in weights[1:] if name.endswith(w)), name)
            ranked = sorted(weights, key=lambda w: hashlib.sha1(f"{base}{w}".encode()).hexdigest())
            if name[len(base):] not in ranked[:PH_WEIGHTS_KEPT]:
                continue
        named = captions_for(name)
        if (style, name) in BRANDS:
            named = (name + "-logo", list(BRANDS[style, name]))
        if named is None:
            continue
        colour, body = ink(style, name), icon["body"]
        body = body.replace("currentColor", colour).replace('"#000"', f'"{colour}"')
        stroke = stroke_width(style, name)
        if stroke is not None:
            body = re.sub(r'stroke-width="[0-9.]+"', f'stroke-width="{stroke:g}"', body)
        w, h = icon.get("width", width), icon.get("height", height)
        left, top = icon.get("left", 0), icon.get("top", 0)
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
               f'viewBox="{left} {top} {w} {h}">{body}</svg>')
        out.append((name, svg, *named))
    return out


def build(out: Path, size: int = 128, sets=tuple(SETS), workers: int | None = None):
    """Fetch, caption and render every set; write ``icons.parquet``; resumes where it stopped."""
    import pandas as pd

    rows = []
    for set_name in sets:
        version, licence, _, sha256 = SETS[set_name]
        icon_set = fetch(set_name, out / "npm", version, sha256)
        for name, svg, concept, captions in select(icon_set, set_name):
            rows.append({"style": set_name, "name": name, "concept": concept, "captions": captions,
                         "caption": captions[0], "split": "train", "licence": licence, "svg": svg})
    table = write_rendered(pd.DataFrame(rows), out, "icons", size, workers)
    print(f"{len(table)} icons rendered into {out}; by set: {table['style'].value_counts().to_dict()}")
    return table


def default_dir() -> Path:
    from clipnb.cache import build_dir

    return build_dir("icons")


def main(argv=None):
    build_command("icons", __doc__.split("\n")[0], build, default_dir, argv)


if __name__ == "__main__":
    main()
