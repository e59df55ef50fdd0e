"""Build ``data/samples/``: the default corpus, holding the talk's subjects, none of them trained on.

Three parts, each from a held-out source:

* ``emoji/<group>/`` — the held-out emoji style (twemoji): cats, dogs, monkeys, burgers; the talk's
  professions as man, woman and person; people running; trees, mountains, snow; happy and sad
  faces; and a seeded sample of other everyday things as the haystack;
* ``clipart/<folder>/`` — openclipart's test split (last round's sample, unchanged);
* ``photos/`` — scikit-image's photos: what a model that never saw a photograph makes of one;
* ``scenes/`` — small scenes composed from held-out emoji, for the experiments that need more than one
  thing in a picture: people running in front of trees, in the snow and not (experiment 9), and men
  seen close up or far away (experiment 8).

Command::

    python -m clipnb.samples [--out data/samples]   # after the emoji and clip-art builds

``captions.csv`` gives per image: image_path, caption, folder, concept, source, licence.
"""
from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

PROFESSIONS = ["health-worker", "teacher", "technologist", "scientist", "firefighter", "cook", "farmer",
               "pilot", "judge", "police-officer", "astronaut", "artist", "singer", "mechanic", "office-worker"]
EMOJI_GROUPS = {
    "animals": ["cat", "cat-face", "black-cat", "dog", "dog-face", "poodle", "guide-dog", "monkey", "monkey-face",
                "gorilla", "orangutan", "horse", "cow", "pig", "rabbit", "mouse", "tiger", "lion", "bear",
                "elephant", "penguin", "bird", "fish", "frog", "snake", "owl"],
    "food": ["hamburger", "pizza", "hot-dog", "french-fries", "sandwich", "taco", "red-apple", "banana",
             "birthday-cake", "doughnut", "hot-beverage", "cheese-wedge"],
    "professions": [f"{who}{p}" for p in PROFESSIONS for who in ("", "man-", "woman-")],
    "people": ["man", "woman", "person", "boy", "girl", "old-man", "old-woman", "older-person", "man-beard",
               "woman-blond-hair", "man-red-hair", "woman-curly-hair",
               "person-running", "man-running", "woman-running", "person-running-facing-right",
               "man-running-facing-right", "woman-running-facing-right", "person-walking", "man-walking",
               "woman-walking", "person-biking", "man-biking", "woman-biking", "skier", "snowboarder"],
    "nature": ["deciduous-tree", "evergreen-tree", "palm-tree", "christmas-tree", "leafless-tree", "national-park",
               "mountain", "snow-capped-mountain", "sunrise-over-mountains", "snowflake", "snowman",
               "snowman-without-snow", "cloud-with-snow", "sun", "cloud", "rainbow", "fallen-leaf", "herb",
               "seedling", "sunflower"],
    "faces": ["grinning-face", "beaming-face-with-smiling-eyes", "smiling-face-with-smiling-eyes",
              "grinning-face-with-big-eyes", "slightly-smiling-face", "face-with-tears-of-joy",
              "grinning-squinting-face", "smiling-face", "crying-face", "loudly-crying-face", "frowning-face",
              "slightly-frowning-face", "disappointed-face", "pensive-face", "weary-face", "sad-but-relieved-face",
              "neutral-face", "angry-face"],
}
HAYSTACK = 100  # other held-out emoji, chosen by a seeded hash of their names
EMOJI_STYLE = "twemoji"
# The previous sample's clip-art: held-out (test split), more of the talk's subjects, fewer icons.
SAMPLE_CAPS = {"computer": 12, "shapes": 12, "special": 6, "unsorted": 8, "signs_and_symbols": 30,
               "logos": 0, "buttons": 0}
GENDERED_CAPTION = r"\b(?:man|men|boy|guy|male|king|woman|women|girl|lady|female|queen)\b"
# Photos that scikit-image ships (its data/README and docstrings give their sources; all are
# public domain or CC0): name -> caption.
SAMPLE_PHOTOS = {"chelsea": "a photo of Chelsea the cat, a tabby cat",
                 "astronaut": "a photo of the astronaut Eileen Collins (NASA)",
                 "coffee": "a photo of a cup of coffee on a saucer",
                 "rocket": "a photo of a Falcon 9 rocket launch (SpaceX)",
                 "grass": "a photo of grass", "gravel": "a photo of gravel", "brick": "a photo of a brick wall",
                 "hubble_deep_field": "the Hubble extreme deep field (NASA)", "moon": "the surface of the moon"}


# Scenes composed from held-out emoji (see compose_scene): name -> (caption, figure, trees, weather).
# weather: "snow" (snowflakes, a snowy ground), "green" (a grassy ground), "close-up" (the figure fills
# the picture, no trees) or "far" (a small figure in a landscape).
RUNNERS = {"person": "person-running", "man": "man-running", "woman": "woman-running",
           "person-right": "person-running-facing-right"}
SCENES = {
    **{f"{who}-running-{tree}-snow": (f"a {who.split('-')[0]} running in front of trees in the snow", figure, tree, "snow")
       for who, figure in RUNNERS.items() for tree in ("evergreen-tree", "leafless-tree")},
    **{f"{who}-running-{tree}": (f"a {who.split('-')[0]} running in front of trees", figure, tree, "green")
       for who, figure in RUNNERS.items() for tree in ("deciduous-tree", "evergreen-tree")},
    **{f"close-up-{face}": (f"a close-up of {caption} face", face, None, "close-up")
       for face, caption in [("man", "a man's"), ("man-beard", "a bearded man's"), ("old-man", "an old man's"),
                             ("man-red-hair", "a red-haired man's"), ("woman", "a woman's"), ("old-woman", "an old woman's")]},
    **{f"far-{figure}-{tree}": (f"a {figure.split('-')[0]} {figure.split('-')[1]} far away among trees", figure, tree, "far")
       for figure in ("man-standing", "man-walking", "woman-standing", "woman-walking")
       for tree in ("deciduous-tree", "evergreen-tree")},
}
GROUND = {"snow": (226, 236, 246), "green": (132, 190, 96), "far": (132, 190, 96)}


def cut_out(im):
    """An emoji flattened on white, as RGBA with the white around it transparent (the white inside it,
    an eye say, stays): near-white regions that touch the border become clear."""
    import numpy as np
    from PIL import Image
    from scipy import ndimage

    rgb = np.asarray(im.convert("RGB"))
    labels, _ = ndimage.label(rgb.min(axis=2) > 240)
    outside = np.setdiff1d(np.unique(np.r_[labels[0], labels[-1], labels[:, 0], labels[:, -1]]), [0])
    alpha = np.where(np.isin(labels, outside), 0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")


def compose_scene(glyph, figure, tree, weather, size=128):
    """One scene on white: ``glyph(name, px)`` gives an emoji as an RGBA image of that size."""
    from PIL import Image, ImageDraw

    canvas = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    if weather == "close-up":  # the face fills the picture, cut at the edges
        face = glyph(figure, int(size * 1.3))
        canvas.alpha_composite(face, (-int(size * 0.15), -int(size * 0.12)))
        return canvas.convert("RGB")
    ground = int(size * 0.72)
    ImageDraw.Draw(canvas).rectangle([0, ground, size, size], fill=GROUND[weather] + (255,))
    tree_px = int(size * 0.34) if weather != "far" else int(size * 0.22)
    for i, x in enumerate((0.02, 0.36, 0.70) if weather != "far" else (0.05, 0.22, 0.62, 0.80)):
        canvas.alpha_composite(glyph(tree, tree_px), (int(size * x), ground - tree_px + 2 - 3 * (i % 2)))
    if weather == "snow":
        for x, y in [(0.08, 0.06), (0.42, 0.16), (0.78, 0.05), (0.25, 0.30), (0.88, 0.33)]:
            canvas.alpha_composite(glyph("snowflake", int(size * 0.11)), (int(size * x), int(size * y)))
    figure_px = int(size * 0.5) if weather != "far" else int(size * 0.2)
    x = (size - figure_px) // 2 if weather != "far" else int(size * 0.44)
    canvas.alpha_composite(glyph(figure, figure_px), (x, min(size - figure_px, ground + int(size * 0.16) - figure_px
                                                             if weather != "far" else ground - figure_px // 2)))
    return canvas.convert("RGB")


# The roles the talk's experiments give to sample images (notebooks 03, 04, 07 and clipnb.compare).
CAT_EMOJI = ["cat", "cat-face", "black-cat"]
FOREST_CAPTIONS = r"\bforest|\btrees?\b|\bpine|\bfir\b|evergreen|national park"  # what counts as a forest image


def cat_images(root=None) -> list:
    """The held-out cat emoji: a cat, a cat face, a black cat."""
    from clipnb.cache import samples_dir

    return [Path(root or samples_dir()) / "emoji" / "animals" / f"{name}.png" for name in CAT_EMOJI]


def forest_image(root=None) -> Path:
    """The stand-in for the talk's forest photo (experiment 10): an evergreen tree in the held-out style."""
    from clipnb.cache import samples_dir

    return Path(root or samples_dir()) / "emoji" / "nature" / "evergreen-tree.png"


def gender_groups(root=None) -> dict:
    """{"man": [...], "woman": [...]}: the held-out emoji of men and women at work, plus the plain faces
    (runners, walkers, bikers and hair or beard variants left out: they are about something else)."""
    import pandas as pd

    from clipnb.cache import samples_dir

    root = Path(root or samples_dir())
    captions = pd.read_csv(root / "captions.csv")
    emoji = captions[captions["folder"].isin(["professions", "people"])]
    gender = emoji["concept"].str.extract(r"^(man|woman)(?:-|$)")[0]
    keep = gender.notna() & ~emoji["concept"].str.contains("running|walking|biking|beard|hair")
    return {g: [root / p for p in emoji[keep & (gender == g)]["image_path"]] for g in ["man", "woman"]}


def pick_emoji(table):
    """The held-out style's rows for the sample: the listed concepts (untoned), then the haystack."""
    from clipnb.emoji import SETS

    table = table[table["style"] == EMOJI_STYLE]
    if SETS[EMOJI_STYLE][2] != "test":
        raise ValueError(f"{EMOJI_STYLE} is not the held-out style: the sample must not hold training images")
    toned = table[table["name"] != table["concept"]]
    table = table[table["name"] == table["concept"]]
    rows, taken = [], set()
    for group, names in EMOJI_GROUPS.items():
        for name in names:
            match = table[table["name"] == name]
            if len(match):
                rows.append((group, match.iloc[0]))
                taken.add(name)
            if group == "professions":  # skin-tone variants too: three images per profession and gender
                rows += [(group, row) for _, row in toned[toned["concept"] == name].iterrows()]
    rest = table[~table["name"].isin(taken) & ~table["name"].str.startswith("flag-")]
    rest = rest.assign(key=[hashlib.sha1(n.encode()).hexdigest() for n in rest["name"]]).sort_values("key")
    rows += [("things", row) for _, row in rest.head(HAYSTACK).iterrows()]
    return rows


def build(emoji_dir: Path, clipart_dir: Path, out: Path, size: int = 128):
    import pandas as pd
    from PIL import Image

    from clipnb.emoji import SETS

    rows = []
    emoji = pd.read_parquet(emoji_dir / "emoji.parquet")
    version, licence, _ = SETS[EMOJI_STYLE]
    for group, row in pick_emoji(emoji):
        rel = f"emoji/{group}/{row['name']}.png"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.open(emoji_dir / row["path"]).save(out / rel, optimize=True)
        rows.append({"image_path": rel, "caption": row["caption"], "folder": group, "concept": row["concept"],
                     "source": f"@iconify-json/{EMOJI_STYLE} {version}: {row['name']}",
                     "licence": f"{licence} (Twitter, Inc and other contributors)"})

    table = pd.read_parquet(clipart_dir / "clipart.parquet")
    table = table[table["split"] == "test"]
    picked = pd.concat([group.sort_values("sha1").head(SAMPLE_CAPS.get(folder, 40))
                        for folder, group in table.groupby("folder")])
    figures = table[table["caption"].str.contains(GENDERED_CAPTION, regex=True)]
    picked = pd.concat([picked, figures]).drop_duplicates("sha1")
    for row in picked.itertuples():
        slug = re.sub(r"[^a-z0-9]+", "_", row.caption.split(",")[0].lower()).strip("_")[:40] or "clipart"
        rel = f"clipart/{row.folder}/{slug}_{row.sha1[:6]}.png"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.open(clipart_dir / "png" / f"{row.sha1}.png").save(out / rel, optimize=True)
        rows.append({"image_path": rel, "caption": row.caption, "folder": f"clipart/{row.folder}",
                     "concept": row.caption.split(",")[0], "source": f"openclipart-svg (Debian): {row.svg}",
                     "licence": "public domain"})

    def glyph(name, px):
        row = emoji[(emoji["style"] == EMOJI_STYLE) & (emoji["name"] == name)]
        if row.empty or row.iloc[0]["split"] != "test":
            raise ValueError(f"{name!r} is not a held-out {EMOJI_STYLE} emoji: a scene must hold no training image")
        return cut_out(Image.open(emoji_dir / row.iloc[0]["path"])).resize((px, px), Image.LANCZOS)

    (out / "scenes").mkdir(parents=True, exist_ok=True)
    for name, (caption, figure, tree, weather) in SCENES.items():
        rel = f"scenes/{name}.png"
        compose_scene(glyph, figure, tree, weather).save(out / rel, optimize=True)
        parts = ", ".join(p for p in (figure, tree, "snowflake" if weather == "snow" else None) if p)
        rows.append({"image_path": rel, "caption": caption, "folder": "scenes", "concept": name,
                     "source": f"composed by clipnb from @iconify-json/{EMOJI_STYLE} {version}: {parts}",
                     "licence": f"{licence} (Twitter, Inc and other contributors; composed, an adaptation)"})

    import skimage.data

    (out / "photos").mkdir(parents=True, exist_ok=True)
    for name, caption in SAMPLE_PHOTOS.items():
        im = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        im.thumbnail((4 * size, 4 * size))
        rel = f"photos/{name}.jpg"
        im.save(out / rel, quality=88)
        rows.append({"image_path": rel, "caption": caption, "folder": "photos", "concept": name,
                     "source": f"scikit-image: skimage.data.{name}()", "licence": "public domain / CC0"})
    pd.DataFrame(rows).to_csv(out / "captions.csv", index=False)
    print(f"{len(rows)} sample images in {out}")


def main(argv=None):
    from clipnb import clipart, emoji
    from clipnb.cache import samples_dir

    parser = argparse.ArgumentParser(prog="python -m clipnb.samples", description=__doc__.split("\n")[0])
    parser.add_argument("--emoji", type=Path, default=emoji.default_dir(), help="the emoji build folder")
    parser.add_argument("--clipart", type=Path, default=clipart.default_dir(), help="the clip-art build folder")
    parser.add_argument("--out", type=Path, default=samples_dir())
    args = parser.parse_args(argv)
    build(args.emoji, args.clipart, args.out)


if __name__ == "__main__":
    main()
