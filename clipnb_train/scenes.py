"""Scenes composed from the *training* emoji styles, with captions that say what is where.

A picture of one thing per image cannot teach composition, and the talk's experiments 8, 9 and 12
ask for it ("a man running in front of trees in the snow", minus "snow"; a close-up of a man's face,
minus "close up"). This build composes small scenes from training-style emoji, the same way
``clipnb_train.samples`` composes the held-out test scenes from twemoji, but with random layouts:

* **landscapes**: a person, man or woman running, walking, standing or biking, in front of trees or not,
  on snow or grass ("a woman walking in front of trees in the snow");
* **close-ups** of a face that fills the picture ("a close-up of an old man's face");
* **far away**: a small figure among trees ("a man standing far away among trees");
* **pairs**: two of the talk's subjects side by side ("a cat next to a dog", "a doctor and a nurse");
* **counts**: two to four of one thing ("three apples").

Each scene takes every glyph from one training style. Command::

    python -m clipnb_train.scenes build [--out DIR] [--n 6000]    # after the emoji build; ~2 min

writes ``DIR/png/<n>.png`` and ``DIR/scenes.parquet`` (the emoji build's columns; style is the glyphs' style).
"""
from __future__ import annotations

import argparse
import os
import random
from pathlib import Path

from clipnb_train.samples import GROUND, cut_out

WHO = {"person": "a person", "man": "a man", "woman": "a woman"}
ACTIONS = {"running": "running", "walking": "walking", "standing": "standing", "biking": "riding a bike"}
TREES = ["deciduous-tree", "evergreen-tree", "leafless-tree", "palm-tree"]
# face emoji -> whose face ("a close-up of {whose} face")
FACES = {"man": "a man's", "woman": "a woman's", "person": "a person's", "boy": "a boy's", "girl": "a girl's",
         "old-man": "an old man's", "old-woman": "an old woman's", "older-person": "an old person's",
         "man-beard": "a bearded man's", "person-beard": "a bearded person's", "man-red-hair": "a red-haired man's",
         "woman-red-hair": "a red-haired woman's", "man-curly-hair": "a curly-haired man's",
         "woman-curly-hair": "a curly-haired woman's", "man-blond-hair": "a blond man's",
         "woman-blond-hair": "a blonde woman's", "man-white-hair": "a white-haired man's",
         "woman-white-hair": "a white-haired woman's", "man-bald": "a bald man's", "woman-bald": "a bald woman's"}
# things that come in counts: emoji -> (singular, plural)
COUNTABLE = {"cat": ("a cat", "cats"), "dog": ("a dog", "dogs"), "red-apple": ("an apple", "apples"),
             "hamburger": ("a burger", "burgers"), "banana": ("a banana", "bananas"), "automobile": ("a car", "cars"),
             "deciduous-tree": ("a tree", "trees"), "evergreen-tree": ("a pine tree", "pine trees"),
             "monkey": ("a monkey", "monkeys"), "pizza": ("a pizza", "pizzas"), "bird": ("a bird", "birds"),
             "fish": ("a fish", "fish"), "house": ("a house", "houses"), "star": ("a star", "stars"),
             "balloon": ("a balloon", "balloons"), "snowman": ("a snowman", "snowmen"), "horse": ("a horse", "horses"),
             "bicycle": ("a bicycle", "bicycles"), "rabbit": ("a rabbit", "rabbits"), "doughnut": ("a doughnut", "doughnuts")}
NUMBERS = {2: "two", 3: "three", 4: "four"}
PROFESSIONS = ("health-worker", "teacher", "firefighter", "pilot", "cook", "farmer", "police-officer", "scientist",
               "mechanic", "judge", "artist", "astronaut", "technologist", "office-worker", "singer")
PAIR_SUBJECTS = (["cat", "dog", "monkey", "red-apple", "hamburger", "automobile", "deciduous-tree", "house", "pizza",
                  "bicycle", "horse", "bird", "rabbit", "sun", "cloud", "snowman", "rocket", "guitar", "cow", "pig"]
                 + [f"{g}-{p}" for p in PROFESSIONS for g in ("man", "woman")])
KINDS = {"landscape": 0.35, "close-up": 0.15, "far": 0.1, "pair": 0.25, "count": 0.15}


class Glyphs:
    """The training emoji of one build: each concept's untoned drawing per style, cut out once."""

    def __init__(self, emoji_dir: Path):
        import pandas as pd

        table = pd.read_parquet(Path(emoji_dir) / "emoji.parquet")
        table = table[(table["split"] == "train") & (table["name"] == table["concept"])]
        self.dir, self.rows, self.cache = Path(emoji_dir), {}, {}
        for row in table.itertuples():
            self.rows[(row.style, row.concept)] = row
        self.styles = sorted({s for s, _ in self.rows})

    def has(self, style, concept):
        return (style, concept) in self.rows

    def caption(self, style, concept, rng) -> str:
        """One of the emoji's captions without its article-less tone part: "a woman firefighter", "a female doctor"."""
        captions = [c.split(", ")[0] for c in self.rows[(style, concept)].captions]
        return rng.choice(captions[:1] * 2 + captions[1:])

    def __call__(self, style, concept, px, flip=False):
        from PIL import Image, ImageOps

        key = (style, concept)
        if key not in self.cache:
            with Image.open(self.dir / self.rows[key].path) as im:
                self.cache[key] = cut_out(im)
        glyph = self.cache[key].resize((px, px), Image.LANCZOS)
        return ImageOps.mirror(glyph) if flip else glyph


def _canvas(size, rng):
    from PIL import Image

    sky = rng.choice([(255, 255, 255), (255, 255, 255), (226, 240, 252), (240, 246, 255)])
    return Image.new("RGBA", (size, size), sky + (255,))


def landscape(glyphs, style, rng, size=128, far=False):
    """A figure on snow or grass, in front of trees or not; returns (image, captions) or None if the style lacks it."""
    from PIL import ImageDraw

    who, action = rng.choice(list(WHO)), rng.choice(list(ACTIONS))
    figure = f"{who}-{'biking' if action == 'biking' else action}"
    if not glyphs.has(style, figure):
        return None
    snow = rng.random() < 0.5
    tree = rng.choice([t for t in TREES if glyphs.has(style, t) and not (snow and t == "palm-tree")] or [None])
    trees = tree is not None and (far or rng.random() < 0.7)
    canvas = _canvas(size, rng)
    ground = int(size * rng.uniform(0.62, 0.8))
    colour = GROUND["snow"] if snow else rng.choice([GROUND["green"], (150, 200, 110), (120, 170, 90)])
    ImageDraw.Draw(canvas).rectangle([0, ground, size, size], fill=colour + (255,))
    if trees:
        tree_px = int(size * (rng.uniform(0.18, 0.26) if far else rng.uniform(0.28, 0.4)))
        for x in sorted(rng.sample(range(0, size - tree_px, max(1, tree_px // 2)), k=min(rng.randint(2, 4), 3))):
            canvas.alpha_composite(glyphs(style, tree, tree_px), (x, ground - tree_px + rng.randint(-3, 3)))
    if snow and rng.random() < 0.8 and glyphs.has(style, "snowflake"):
        flake = int(size * rng.uniform(0.08, 0.13))
        for _ in range(rng.randint(3, 6)):
            canvas.alpha_composite(glyphs(style, "snowflake", flake), (rng.randrange(size - flake), rng.randrange(ground // 2)))
    figure_px = int(size * (rng.uniform(0.16, 0.24) if far else rng.uniform(0.42, 0.58)))
    x = rng.randrange(0, size - figure_px)
    y = min(size - figure_px, ground - figure_px // (2 if far else 3) + rng.randint(0, size // 16))
    canvas.alpha_composite(glyphs(style, figure, figure_px, flip=rng.random() < 0.5), (x, y))
    person = f"{WHO[who]} {ACTIONS[action]}"
    place = " in the snow" if snow else ""
    if far:
        captions = [f"{person} far away among trees{place}", f"{person} far away", "a small figure among trees",
                    "trees" + place]
    elif trees:
        captions = [f"{person} in front of trees{place}", f"{person}{place}", f"{person} near trees", person,
                    "trees" + place]
    else:
        captions = [f"{person}{place}", person] + (["snow", "a winter scene"] if snow else ["a person on grass"])
    return canvas.convert("RGB"), captions


def close_up(glyphs, style, rng, size=128):
    """A face that fills the picture, cut at the edges."""
    faces = [f for f in FACES if glyphs.has(style, f)]
    if not faces:
        return None
    face = rng.choice(faces)
    canvas = _canvas(size, rng)
    px = int(size * rng.uniform(1.15, 1.5))
    canvas.alpha_composite(glyphs(style, face, px, flip=rng.random() < 0.5),
                           (-rng.randint(0, px - size), -rng.randint(0, (px - size) // 2 + 1)))
    whose = FACES[face]
    who = whose.removesuffix("'s")
    return canvas.convert("RGB"), [f"a close-up of {whose} face", f"{whose} face", f"a close-up of {who}", who]


def pair(glyphs, style, rng, size=128):
    """Two subjects side by side: "a cat next to a dog"."""
    subjects = [s for s in PAIR_SUBJECTS if glyphs.has(style, s)]
    if len(subjects) < 2:
        return None
    left, right = rng.sample(subjects, 2)
    a, b = glyphs.caption(style, left, rng), glyphs.caption(style, right, rng)
    canvas = _canvas(size, rng)
    px = int(size * rng.uniform(0.4, 0.5))
    for concept, x in ((left, rng.randint(0, size // 2 - px // 2)), (right, rng.randint(size // 2, size - px))):
        x = min(x, size - px)
        canvas.alpha_composite(glyphs(style, concept, px), (x, rng.randint(size // 6, size - px - size // 8)))
    return canvas.convert("RGB"), [f"{a} next to {b}", f"{a} and {b}", f"{a} on the left and {b} on the right",
                                   f"{b} and {a}"]


def count(glyphs, style, rng, size=128):
    """Two to four of one thing: "three apples"."""
    things = [t for t in COUNTABLE if glyphs.has(style, t)]
    if not things:
        return None
    thing, n = rng.choice(things), rng.choice(list(NUMBERS))
    singular, plural = COUNTABLE[thing]
    canvas = _canvas(size, rng)
    px = int(size * (0.42 if n == 2 else 0.36 if n == 3 else 0.32))
    slots = [(int(size * (0.05 + 0.5 * (i % 2))), int(size * (0.05 + 0.5 * (i // 2)))) for i in range(4)]
    if n == 3:
        slots = [(int(size * 0.04), int(size * 0.3)), (int(size * 0.34), int(size * 0.3)), (int(size * 0.64), int(size * 0.3))]
    for x, y in rng.sample(slots, n):
        canvas.alpha_composite(glyphs(style, thing, px), (x + rng.randint(0, size // 16), y + rng.randint(0, size // 16)))
    return canvas.convert("RGB"), [f"{NUMBERS[n]} {plural}", plural, f"a group of {NUMBERS[n]} {plural}"]


COMPOSERS = {"landscape": landscape, "close-up": close_up, "far": lambda g, s, r: landscape(g, s, r, far=True),
             "pair": pair, "count": count}


def build(emoji_dir: Path, out: Path, n: int = 6000, seed: int = 0):
    """Compose n scenes (seeded) from the emoji build's training styles; write PNGs and ``scenes.parquet``."""
    import pandas as pd
    from tqdm.auto import tqdm

    glyphs = Glyphs(emoji_dir)
    rng = random.Random(seed)
    (out / "png").mkdir(parents=True, exist_ok=True)
    rows, kinds, weights = [], list(KINDS), list(KINDS.values())
    with tqdm(total=n, desc="compose scenes", mininterval=10) as bar:
        while len(rows) < n:
            kind, style = rng.choices(kinds, weights)[0], rng.choice(glyphs.styles)
            made = COMPOSERS[kind](glyphs, style, rng)
            if made is None:
                continue
            image, captions = made
            name = f"{len(rows):05d}"
            image.save(out / "png" / f"{name}.png")
            rows.append({"style": style, "name": name, "concept": kind, "captions": list(dict.fromkeys(captions)),
                         "caption": captions[0], "split": "train", "licence": "as its emoji style", "kind": kind,
                         "path": f"png/{name}.png"})
            bar.update()
    table = pd.DataFrame(rows)
    tmp = out / "scenes.parquet.tmp"
    table.to_parquet(tmp)
    os.replace(tmp, out / "scenes.parquet")
    print(f"{len(table)} scenes composed into {out}; by kind: {table['kind'].value_counts().to_dict()}")
    return table


def default_dir() -> Path:
    from clipnb.cache import build_dir

    return build_dir("scenes")


def main(argv=None):
    from clipnb_train import emoji

    parser = argparse.ArgumentParser(prog="python -m clipnb_train.scenes", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--emoji", type=Path, default=emoji.default_dir(), help="the emoji build folder")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the clipnb cache)")
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    build(args.emoji, args.out or default_dir(), args.n, args.seed)


if __name__ == "__main__":
    main()
