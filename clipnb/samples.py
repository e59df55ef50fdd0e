"""The sample corpus's roles: which of ``data/samples/`` are the talk's cats, forest image, men and women.

``data/samples/`` (built by ``make samples``) holds the talk's subjects, none of them
trained on: the held-out emoji style (twemoji), openclipart's test split, scikit-image's photos and
scenes composed from held-out emoji. ``captions.csv`` gives per image: image_path, caption, folder,
concept, source, licence.
"""
from __future__ import annotations

from pathlib import Path

from clipnb.captions import PATTERNS

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
GENDERED_CAPTION = r"\b(?:man|men|boy|guy|male|king|woman|women|girl|lady|female|queen)\b"


# The roles the talk's experiments give to sample images (notebooks 03, 04, 07 and clipnb.compare).
CAT_EMOJI = ["cat", "cat-face", "black-cat"]
FOREST_CAPTIONS = PATTERNS["trees"]  # what subtracting "forest" should remove: trees and forests (clipnb.captions)


def cat_images(root=None) -> list:
    """The held-out cat emoji: a cat, a cat face, a black cat."""
    from clipnb.cache import samples_dir

    return [Path(root or samples_dir()) / "emoji" / "animals" / f"{name}.png" for name in CAT_EMOJI]


def forest_image(root=None) -> Path:
    """The stand-in for the talk's forest photo (experiment 10): a tree (🌳, twemoji's deciduous tree) in the
    held-out style. It is the talk's subject drawn plainly; the evergreen tree, the earlier stand-in, finds no
    other tree among its nearest images on ``bundled``, which left the experiment nothing to remove."""
    from clipnb.cache import samples_dir

    return Path(root or samples_dir()) / "emoji" / "nature" / "deciduous-tree.png"


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


def probe_images(root=None) -> list:
    """27 sample images of every kind (the cats, six men and six women, the forest image, the nine photos, two
    scenes): what ``compare.collapse`` reads to tell a collapsed model, and what a random-weight twin's BatchNorm
    statistics are estimated on (``clipnb.models.random_weights_dir``)."""
    from clipnb.cache import samples_dir

    root = Path(root or samples_dir())
    groups = gender_groups(root)
    return [*cat_images(root), *groups["man"][:6], *groups["woman"][:6], forest_image(root),
            *sorted((root / "photos").glob("*.jpg")), *sorted((root / "scenes").glob("*.png"))[:2]]
