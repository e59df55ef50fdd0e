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

    python -m clipnb_train.samples [--out data/samples]   # after the emoji and clip-art builds

``captions.csv`` gives per image: image_path, caption, folder, concept, source, licence.
"""
from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

from clipnb.samples import EMOJI_GROUPS, GENDERED_CAPTION

HAYSTACK = 100  # other held-out emoji, chosen by a seeded hash of their names
EMOJI_STYLE = "twemoji"
# The previous sample's clip-art: held-out (test split), more of the talk's subjects, fewer icons.
SAMPLE_CAPS = {"computer": 12, "shapes": 12, "special": 6, "unsorted": 8, "signs_and_symbols": 30,
               "logos": 0, "buttons": 0}
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


def pick_emoji(table):
    """The held-out style's rows for the sample: the listed concepts (untoned), then the haystack."""
    from clipnb_train.emoji import SETS

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

    from clipnb_train.emoji import SETS

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
    from clipnb_train import clipart, emoji
    from clipnb.cache import samples_dir

    parser = argparse.ArgumentParser(prog="python -m clipnb_train.samples", description=__doc__.split("\n")[0])
    parser.add_argument("--emoji", type=Path, default=emoji.default_dir(), help="the emoji build folder")
    parser.add_argument("--clipart", type=Path, default=clipart.default_dir(), help="the clip-art build folder")
    parser.add_argument("--out", type=Path, default=samples_dir())
    args = parser.parse_args(argv)
    build(args.emoji, args.clipart, args.out)


if __name__ == "__main__":
    main()
