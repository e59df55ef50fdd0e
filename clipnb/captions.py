"""What an image shows, read from its caption: the one place that says which captions are men, winter, forest…

The claims judge a ranking by meaning (did subtracting "winter" remove winter images?), and a corpus only
knows its images through their captions. Each label is one documented pattern, written as words and
phrases that must appear (``include``) and phrases that rule a caption out (``exclude``: the traps a
plain word search falls into, such as "frosting", "pineapple", "joystick" or "troff man"). Both are
matched on whole words, case-insensitively. ``tests/test_captions.py`` pins every label on a table of
real-style captions (the sample emoji, clip-art titles and COCO-style sentences).

    captions.matches("winter", ["two skiers on a slope", "a frosted donut"])  # array([ True, False])
    captions.mask(corpus, "men")                                               # over a corpus's images
"""
from __future__ import annotations

import re

import numpy as np


def _words(*words: str) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


# label -> (include, exclude): regular expressions over a caption; a caption is the label's when include
# matches somewhere and exclude matches nowhere.
LABELS = {
    # a man or men; not a man page, an atomic bomb called "fat man", or the ♂ sign
    "men": (_words("man", "men", "boys?", "guys?", "males?", "gentlem[ae]n", "husbands?", "fathers?", "businessm[ae]n", "policem[ae]n", "fishermen", "fisherman"),
            r"troff man|man page|\bman pages?\b|fat man\b.*\bbomb|\bmale sign\b|\bpac-?man\b"),
    "women": (_words("woman", "women", "girls?", "lad(?:y|ies)", "females?", "wi[fv]es?", "mothers?", "businesswom[ae]n", "policewom[ae]n"),
              r"\bfemale sign\b"),
    # a face filling the picture: a close-up, a person's face, the plain person emoji ("a man", nothing more)
    "close_ups": (r"\bclose[- ]?ups?\b|\bfaces?\b|\bportrait\b|\bheadshot\b"
                  r"|^(?:a |an )?(?:man|woman|person|boy|girl|old man|old woman|older person)$",
                  _words("clock", "rock", "cliff", "watch", "dog", "cat", "horse", "rabbit", "dragon", "monkey",
                         "tiger", "cow", "pig", "bear", "mouse", "fox", "wolf", "lion", "frog", "panda", "moon",
                         "sun", "building", "mountain") + r"\s+faces?\b|\bface ?(?:masks?|book|paint|cream|down|off)\b"
                  r"|\bfacepalm|\bsurface"),
    # snow and winter sports; not water or jet skis, frosting on a cake, frosted glass
    "winter": (_words("winter", "wintry", "wintertime", r"snow\w*", "skis?", "skiers?", "skiing", r"snowboard\w*",
                      "frost", "frosty", "frozen", "blizzards?", "sledges?", "sleds?", "sledding", "sleighs?",
                      "icicles?", r"ice[- ]skat\w*", "igloos?", "ski slopes?"),
               r"\b(?:water|jet)[- ]?ski\w*|\bfrosting\b|\bfrosted\b|\bfrozen (?:yogh?urt|food|pizza|dessert|treat)"),
    # woods: a forest, several trees, a conifer; not one tree of any kind, a pineapple or a Christmas tree
    "forest": (_words("forests?", "rainforests?", "woods", "woodlands?", "wooded", "jungles?", "evergreens?",
                      "conifers?", "coniferous", "pines", "firs", "pine trees?", "fir trees?", "spruces?",
                      "trees", "national parks?", "groves?"),
               r"\bchristmas\b|\bxmas\b|\bfamily trees?\b|\bwoods? (?:floor|table|panel|desk)"),
    # what subtracting "forest" should remove (E10): trees, one or many, and forests; not a pineapple, a family
    # tree, a Christmas tree or a tree diagram
    "trees": (_words("trees?", "forests?", "rainforests?", "woods", "woodlands?", "wooded", "jungles?", "evergreens?",
                     "conifers?", "coniferous", "pines", "firs", "pine trees?", "fir trees?", "spruces?",
                     "national parks?", "groves?"),
              r"\bchristmas\b|\bxmas\b|\bfamily trees?\b|\btree (?:diagram|view|structure)|\bwoods? (?:floor|table|panel|desk)"),
    # the photo that stands in for the talk's forest (COCO's query image): the caption says forest or woods
    "forest_scene": (_words("forests?", "rainforests?", "woods", "woodlands?", "wooded"), r"\bwoods? (?:floor|table)"),
    # not "smiley": clip-art calls any round face icon a smiley, frowning ones too (openclipart's smiley002)
    "happy": (_words(r"smil(?!ey|ies)\w*", "grins?", "grinning", "beaming", r"laugh\w*", "happy", "happily", "happiness",
                     "joy", "joyful", "joyous", "cheerful", "delighted"),
              r"\bunhappy\b|\bnot (?:happy|smiling)"),
    "sad": (_words("cry", "cries", "crying", "cried", "tears", r"frown\w*", "sad", "sadly", "sadness", "unhappy",
                   "pensive", "disappointed", "weary", r"sorrow\w*", "upset", "gloomy", "depressed", "mourning",
                   "grieving", "downcast"),
            r"tears of joy"),
    # house cats; not big cats, tigers or lions, a catfish or a bobcat
    "cats": (_words("cats?", "kittens?", "kitty", "kitties", "feline", "tabby", "gatt[oa]"),
             r"\bbig cats?\b|\btigers?\b|\blions?\b|\bcat ?(?:food|litter|walk)\b"),
    # the cat family's wild members, which "cats" leaves out; not a lion's mane (jellyfish) or a sea lion
    "big_cats": (_words("big cats?", "tigers?", "tigres?", "lions?", "lioness(?:es)?", "leopards?", "cheetahs?",
                        "jaguars?", "lynx(?:es)?", "panthers?", "pumas?", "cougars?"),
                 r"\bsea lions?\b|\blion'?s mane\b"),
    "dogs": (_words("dogs?", "pupp(?:y|ies)", "poodles?", "hounds?", "doggy", "pooch"), r"\bhot ?dogs?\b"),
    # cars: a car, a taxi, a motor vehicle, AIGA's "ground transportation" (a taxi and a bus); not a vehicle of any
    # kind (a bicycle, a sledge), a cable car, a train's car or a car park
    "cars": (_words("cars?", "automobiles?", "motor vehicles?", "taxis?", "taxicabs?", "sedans?", "ground transportation"),
             r"\b(?:cable|railway|rail|train|tram|subway|sleeping|dining) ?cars?\b|\bcar ?parks?\b"),
}
# each label as one regular expression (a lookahead for include, a negative one for exclude), for pandas'
# str.contains(..., case=False) or re.search(..., re.I)
PATTERNS = {label: rf"^(?!.*(?:{exclude}))(?=.*(?:{include}))" for label, (include, exclude) in LABELS.items()}
_COMPILED = {label: re.compile(pattern, re.IGNORECASE | re.DOTALL) for label, pattern in PATTERNS.items()}


def pattern(label: str) -> str:
    """The regular expression of a label (``PATTERNS``), with a clear error for an unknown one."""
    if label not in PATTERNS:
        raise KeyError(f"no caption label {label!r}; the labels are {', '.join(PATTERNS)} "
                       "(or pass your own regular expression to claims.caption_mask)")
    return PATTERNS[label]


def matches(label: str, captions) -> np.ndarray:
    """Which ``captions`` (strings; None counts as empty) are the label's: a boolean array."""
    compiled = _COMPILED[label] if label in _COMPILED else re.compile(pattern(label))
    return np.array([bool(compiled.search(c or "")) for c in captions], dtype=bool)


def matched_words(label: str, caption: str) -> str | None:
    """The words that make ``caption`` the label's ("ground transportation" for "cars"), None where it is not."""
    if not matches(label, [caption])[0]:
        return None
    return re.search(LABELS[label][0], caption, re.IGNORECASE).group(0)


def mask(corpus, label: str) -> np.ndarray:
    """Which of a corpus's images are captioned as ``label``: a boolean array over its rows."""
    return matches(label, corpus.table["caption"].fillna("").astype(str))


# Clip-art titles the samples hold in another language than English (their artists' own), with what they say: a
# display glosses them ("abeille (French: a bee)"); the captions the model reads are never changed.
GLOSSES = {
    "abeille": "French: a bee", "acquila": "Italian: an eagle", "ampelfrau": "German: the traffic-light woman",
    "bicicletta cycle": "Italian: a bicycle", "blocco notes": "Italian: a notepad", "canguro": "Italian: a kangaroo",
    "chateau": "French: a castle", "corridore": "Italian: a runner", "dinosauro": "Italian: a dinosaur",
    "double croche": "French: a sixteenth note", "farfalla butterfly": "Italian: a butterfly",
    "gatto cat": "Italian: a cat", "gatto nero": "Italian: a black cat", "glace": "French: an ice cream",
    "lance incendie": "French: a fire hose", "mapa stawisk": "Polish: a map of ponds", "orso": "Italian: a bear",
    "papera": "Italian: a duckling", "pattinatrice": "Italian: a skater", "pennello": "Italian: a paintbrush",
    "ragnetto incazzato": "Italian: an angry little spider", "ruota dentata grigia": "Italian: a grey cogwheel",
    "scissors forbici": "Italian: scissors", "sedia ombrelloni": "Italian: a deckchair and beach umbrellas",
    "siringa": "Italian: a syringe", "sortie issue de secours": "French: an emergency exit",
    "sub subacqueo": "Italian: a scuba diver", "tigre": "Italian: a tiger", "toros": "Spanish: bulls",
    "tramezzino": "Italian: a sandwich", "utensili chiave cacciavite": "Italian: a spanner and a screwdriver",
}


# What a sample picture shows that its title does not say, from a look at it: clip-art calls any round face icon a
# "smiley", whatever its mouth does (keyed by the sample's path under data/samples)
DRAWN = {"clipart/people/smiley_26c45a.png": "frowning", "clipart/people/smiley_8ba7d1.png": "smiling, with a halo"}


def drawn(path) -> str | None:
    """What a sample picture is drawn as where its title does not say (``DRAWN``), else None."""
    parts = str(path).replace("\\", "/").split("/")
    return next((mood for key, mood in DRAWN.items() if "/".join(parts[-len(key.split("/")):]) == key), None)


def gloss(caption: str) -> str:
    """A caption's title for display, with an English gloss where it is in another language: "abeille" reads
    "abeille (French: a bee)". Anything else comes back as it was."""
    title = str(caption).split(",")[0].strip()
    meaning = GLOSSES.get(title.lower())
    return str(caption).replace(title, f"{title} ({meaning})", 1) if meaning else str(caption)
