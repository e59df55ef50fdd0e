"""Exercises at the end of each notebook, with checks that give feedback without giving the answer away.

In a notebook::

    answer = ...                                  # your answer here
    check("03.1", answer, model=model)            # ✔ Right: …   or   → Not yet: a hint

A check never raises: a wrong type, a wrong shape or an unfinished answer gets a sentence saying
what is wrong. The right answers are computed from the model you are using, so the exercises
work on any CLIP. Worked solutions: ``notebooks/solutions/`` (CI runs them through these checks).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import numpy as np

from clipnb.captions import matches
from clipnb.geometry import unit
from clipnb.models import is_random

ANIMALS = ["a cat", "a dog", "a monkey", "a cheeseburger"]
# exercise 02: a batch of three images (rows) and their three captions (columns)
SIMILARITY_02 = np.array([[0.30, 0.10, 0.05], [0.12, 0.28, 0.20], [0.02, 0.18, 0.25]])
SCALE_02 = 10.0
# exercise 10: eight images, their clusters and their true labels
CLUSTERS_10 = [0, 0, 0, 1, 1, 1, 1, 2]
TRUTH_10 = ["cat", "cat", "dog", "dog", "dog", "cat", "dog", "car"]


class NotYet(Exception):
    """Raised inside a checker: the message is the hint."""


@dataclass
class Feedback:
    ok: bool
    message: str

    def __repr__(self):
        return ("✔ Right: " if self.ok else "→ Not yet: ") + self.message

    def __bool__(self):
        return self.ok


_EXERCISES = {}


def exercise(key):
    def register(checker):
        _EXERCISES[key] = checker
        return checker
    return register


def check(key: str, answer, **context) -> Feedback:
    """Check ``answer`` to exercise ``key`` ("03.1"); ``context`` passes what the check needs (``model=``, ``verdicts=``)."""
    if key not in _EXERCISES:
        return Feedback(False, f"there is no exercise {key!r}; the exercises are {', '.join(sorted(_EXERCISES))}")
    if answer is ... or answer is None:
        return Feedback(False, "replace the ... with your answer, then run the cell again")
    checker = _EXERCISES[key]
    wanted = list(inspect.signature(checker).parameters)[1:]
    missing = [name for name in wanted if name not in context]
    if missing:
        return Feedback(False, f"this check needs {', '.join(f'{m}={m}' for m in missing)}: "
                        f"check({key!r}, answer, {', '.join(f'{m}={m}' for m in missing)})")
    try:
        feedback = checker(answer, **{name: context[name] for name in wanted})
    except NotYet as hint:
        feedback = Feedback(False, str(hint))
    except (FileNotFoundError, ValueError) as error:  # a query or path that says what is wrong with it
        return Feedback(False, f"this answer could not be used: {error}")
    except Exception as error:  # noqa: BLE001 -- a learner's answer must never crash the notebook
        return Feedback(False, f"this answer could not be checked ({type(error).__name__}: {error}); "
                        "look at what the exercise asks for: a number, a word or a vector?")
    if "model" in wanted:  # the numbers came from this model: say which
        feedback.message += f" [model: {context['model'].name}]"
    return feedback


# -- helpers: turn an answer into the kind of thing asked for, or say why not ------------------

def _number(answer) -> float:
    if isinstance(answer, bool):
        raise NotYet("the answer is True/False, but the exercise asks for a number")
    try:
        value = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise NotYet(f"the answer should be a number, not {type(answer).__name__} ({answer!r})") from None
    if value.size != 1:
        raise NotYet(f"the answer should be one number; it has shape {value.shape} (use .item() on a 1×1 result)")
    return float(value.reshape(()))


def _vector(answer, dim: int) -> np.ndarray:
    try:
        value = np.asarray(answer.numpy() if hasattr(answer, "numpy") else answer, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise NotYet(f"the answer should be a vector of {dim} numbers, not {type(answer).__name__}") from None
    if value.size != dim:
        raise NotYet(f"the answer has {value.size} numbers; the model's vectors have {dim}")
    return value


def _choice(answer, options) -> str:
    if not isinstance(answer, str) or answer.strip() not in options:
        raise NotYet(f"answer with one of {options}, as a string (you gave {answer!r})")
    return answer.strip()


def _close(value, expected, tolerance=1e-3) -> bool:
    return abs(value - expected) <= tolerance


def _cosines(model, images, texts) -> np.ndarray:
    return model.encode_image(images).numpy() @ model.encode_text(texts).numpy().T


def _sample(*parts):
    from clipnb.cache import samples_dir

    return samples_dir().joinpath("emoji", *parts)


def _right(message="") -> Feedback:
    return Feedback(True, message or "well done")


# -- 00 start here -------------------------------------------------------------------------------

@exercise("00.1")
def _cosine_dog_cat(answer, model):
    value = _number(answer)
    expected, with_cat = _cosines(model, [_sample("animals", "cat.png")], ["a dog", "a cat"])[0]
    if _close(value, expected):
        return _right(f"cos = {expected:.4f}, lower than 'a cat' ({with_cat:.4f})" if with_cat > expected
                      else f"cos = {expected:.4f}")
    if _close(value, with_cat):
        raise NotYet("that is the cosine with 'a cat'; the exercise asks for 'a dog'")
    raise NotYet("take the dot product of the image's vector and the text's vector (both are unit vectors)")


@exercise("00.2")
def _dog_label(answer, model):
    label = _choice(answer, ANIMALS)
    scores = _cosines(model, [_sample("animals", "dog.png")], ANIMALS)[0]
    if label == ANIMALS[int(scores.argmax())]:
        return _right(f"{label!r} scores {scores.max():.3f}, the highest of the four")
    raise NotYet(f"{label!r} is not the top one for the dog emoji; compute all four cosines and take the largest")


# -- 01 what is a CLIP embedding ---------------------------------------------------------------

@exercise("01.1")
def _angle(answer, model):
    value = _number(answer)
    a, b = model.encode_text(["a cat", "a kitten"]).numpy()
    expected = float(np.degrees(np.arccos(np.clip(a @ b, -1, 1))))
    if _close(value, expected, 0.05):
        return _right(f"{expected:.1f}° apart; read it against the angle of unrelated phrases printed under the "
                      "heatmaps (random directions would be 90° apart)")
    if _close(value, np.radians(expected), 0.001):
        raise NotYet("that looks like radians; the exercise asks for degrees (np.degrees)")
    if _close(value, float(a @ b), 0.001):
        raise NotYet("that is the cosine; the angle is its arccos, in degrees")
    raise NotYet("the angle between unit vectors is arccos(a · b); convert it to degrees")


@exercise("01.2")
def _nearer(answer, model):
    choice = _choice(answer, ["the text 'a cat'", "the dog emoji"])
    cat = model.encode_image([_sample("animals", "cat.png")]).numpy()[0]
    to_text = float(cat @ model.encode_text(["a cat"]).numpy()[0])
    to_dog = float(cat @ model.encode_image([_sample("animals", "dog.png")]).numpy()[0])
    expected = "the dog emoji" if to_dog > to_text else "the text 'a cat'"
    if choice == expected:
        return _right(f"cosine to the text {to_text:.3f}, to the dog emoji {to_dog:.3f}"
                      + (": images sit nearer images than texts — the modality gap" if to_dog > to_text else ""))
    raise NotYet("compute both cosines before you answer")


# -- 02 how CLIP is trained -------------------------------------------------------------------

def _cross_entropy(logits) -> float:
    logits = logits - logits.max(1, keepdims=True)
    return float(-(np.diag(logits) - np.log(np.exp(logits).sum(1))).mean())


@exercise("02.1")
def _loss(answer):
    value = _number(answer)
    logits = SCALE_02 * SIMILARITY_02
    expected = (_cross_entropy(logits) + _cross_entropy(logits.T)) / 2
    if _close(value, expected, 1e-3):
        return _right(f"loss = {expected:.4f}")
    if _close(value, _cross_entropy(logits), 1e-3) or _close(value, _cross_entropy(logits.T), 1e-3):
        raise NotYet("that is one direction only; CLIP averages images→captions (rows) and captions→images (columns)")
    if _close(value, (_cross_entropy(SIMILARITY_02) + _cross_entropy(SIMILARITY_02.T)) / 2, 1e-3):
        raise NotYet("multiply the similarities by the logit scale before the softmax")
    raise NotYet("the loss is the mean of −log softmax(logit_scale · S) on the diagonal, per row and per column, "
                 "then the average of the two")


def _own_caption_probability(scale: float) -> float:
    row = scale * SIMILARITY_02[0]
    return float(np.exp(row[0] - row.max()) / np.exp(row - row.max()).sum())


@exercise("02.2")
def _scale(answer):
    value = _number(answer)
    if not 1 <= value <= 100:
        raise NotYet("CLIP clamps its logit scale to between 1 and 100: stay in that range")
    if value != int(value):
        raise NotYet("the exercise asks for a whole number")
    p = _own_caption_probability(value)
    if p <= 0.9:
        raise NotYet(f"at logit_scale {value:g} the probability is {p:.3f}; a larger scale sharpens the softmax")
    if _own_caption_probability(value - 1) > 0.9:
        raise NotYet(f"at {value:g} it is {p:.3f}, above 0.9, but a smaller scale gets there too")
    return _right(f"from logit_scale {value:g} on, image 0 picks its own caption with probability above 0.9 "
                  f"({p:.3f})")


# -- 03 zero-shot weirdness ---------------------------------------------------------------------

@exercise("03.1")
def _photo_probability(answer, model):
    from clipnb.cache import samples_dir
    from clipnb.zeroshot import probabilities, softmax

    value = _number(answer)
    photo, cat = [samples_dir() / "photos" / "chelsea.jpg"], ANIMALS.index("a cat")
    p = probabilities(model, photo, ANIMALS).iloc[0]
    cosines = _cosines(model, photo, ANIMALS)[0]
    if _close(value, p["a cat"]):
        first = p.idxmax()
        return _right(f"P('a cat') = {p['a cat']:.4f} over the four labels" + (
            ", the largest of the four" if first == "a cat" else
            f"; {first!r} gets {p[first]:.4f}: on this model the photo of a cat is not read as 'a cat'"))
    if _close(value, cosines[cat]):
        raise NotYet("that is the cosine; the probability is the softmax of model.logit_scale × the four cosines")
    if _close(value, softmax(cosines)[cat]):
        raise NotYet("that is the softmax at scale 1; multiply the four cosines by model.logit_scale first")
    raise NotYet("encode the photo and the four labels, multiply the cosines by model.logit_scale, then take the "
                 "softmax over the four (section 3 does it by hand)")


@exercise("03.2")
def _template(answer, model):
    from clipnb.zeroshot import probabilities

    if not isinstance(answer, str) or answer.count("{}") != 1:
        raise NotYet("write a template with exactly one {} where the label goes, e.g. 'a picture of {}'")
    image, right = [_sample("animals", "dog-face.png")], ANIMALS.index("a dog")
    plain = float(probabilities(model, image, ANIMALS).iloc[0, right])
    templated = float(probabilities(model, image, [answer.format(x) for x in ANIMALS]).iloc[0, right])
    if templated > plain:
        return _right(f"P('a dog') rises from {plain:.3f} to {templated:.3f} with {answer!r}")
    if is_random(model):  # no template means anything to random weights: the exercise's premise does not hold
        return _right(f"with random weights P('a dog') moves only by chance ({plain:.3f} plain, {templated:.3f} with "
                      f"{answer!r}); on a trained model the template has to raise it")
    raise NotYet(f"with {answer!r} P('a dog') is {templated:.3f}, not above the plain {plain:.3f}; "
                 "think of how the training captions described drawings")


# -- 04 embedded bias --------------------------------------------------------------------------

def _group_means(model, prompts):
    from clipnb.samples import gender_groups

    groups = gender_groups()
    text = model.encode_text(prompts).numpy()
    return {g: (model.encode_image(groups[g]).numpy() @ text.T).mean(0) for g in ("man", "woman")}


@exercise("04.1")
def _person_gap(answer, model):
    value = _number(answer)
    means = _group_means(model, ["a person"])
    expected = float(means["man"][0] - means["woman"][0])
    if _close(value, expected, 1e-3):
        return _right(f"gap = {expected:+.4f} (men minus women); whether a gap this size is more than chance is "
                      "what the permutation test in the notebook answers")
    if _close(value, -expected, 1e-3):
        raise NotYet("the sign is flipped: the exercise asks for men minus women")
    raise NotYet("average the cosines of all man images with 'a person', the same for women, and subtract")


@exercise("04.2")
def _leaning(answer, model):
    prompts = ["a doctor", "a nurse", "a pilot", "a teacher"]
    choice = _choice(answer, prompts)
    means = _group_means(model, prompts)
    lean = means["woman"] - means["man"]
    if choice == prompts[int(lean.argmax())]:
        return _right(f"{choice!r} leans furthest to the women ({lean.max():+.4f}, women minus men)")
    raise NotYet("compute women-minus-men for each prompt and take the largest")


# -- 05 signs and structure --------------------------------------------------------------------

@exercise("05.1")
def _closest_word(answer, model):
    options = ["a kitty", "a hamster", "a leopard", "a sandwich"]   # none of them in section 2's heatmap
    choice = _choice(answer, options)
    scores = model.encode_text(options).numpy() @ model.encode_text(["a cat"]).numpy()[0]
    nearest = options[int(scores.argmax())]
    english = "" if nearest == "a kitty" else (
        f" Note that {model.name} disagrees with English here: a kitty is a cat, yet "
        f"'a kitty' scores {scores[0]:.3f}, below {nearest!r}; this model has not learned the word.")
    if choice == nearest:
        return _right(f"on {model.name}, {choice!r} at {scores.max():.3f}." + english)
    raise NotYet("encode the four texts and compare each with 'a cat' (the model decides, not the dictionary)")


MISSPELLINGS_05 = ["burgr", "buger", "burgerr", "bruger", "borger"]
WORDS_05 = ["cat", "dog", "burger", "tree", "car"]


@exercise("05.2")
def _misspellings(answer, model):
    value = _number(answer)
    words = model.encode_text([f"a {w}" for w in WORDS_05]).numpy()
    nearest = (model.encode_text([f"a {m}" for m in MISSPELLINGS_05]).numpy() @ words.T).argmax(1)
    expected = int((nearest == WORDS_05.index("burger")).sum())
    if value == expected:
        landed = ", ".join(f"{m}→{WORDS_05[n]}" for m, n in zip(MISSPELLINGS_05, nearest))
        return _right(f"{expected} of {len(MISSPELLINGS_05)} ({landed})")
    raise NotYet("for each misspelling, find the nearest of the five words, and count how often it is 'burger'")


# -- 06 search math ----------------------------------------------------------------------------

@exercise("06.1")
def _query_by_hand(answer, model):
    from clipnb.query import query_vector

    expected = query_vector(model, 'an image of a man - 0.5 * "a hat"')
    value = _vector(answer, len(expected))
    if np.allclose(value, expected, atol=1e-4):
        return _right("the same vector clipnb searches with")
    if abs(np.linalg.norm(value) - 1) > 1e-3 and np.allclose(unit(value), expected, atol=1e-4):
        raise NotYet("the direction is right; now divide by its length: a query is a unit vector")
    raise NotYet("encode both texts, weight them (+1 and −0.5), add, then normalise")


def _search_captions(model, query, k):
    """Captions of the top k of the sample corpus (the exercises name its images, whatever CLIPNB_CORPUS is)."""
    from clipnb import sample_corpus

    return list(sample_corpus(model, progress=False).search(query, k=k)["caption"])


@exercise("06.2")
def _cats_without_cat(answer, model):
    if not isinstance(answer, str) or not answer.strip():
        raise NotYet("write a query as a string, e.g. 'a small pet'")
    if re.search(r"cat", answer, re.I):
        raise NotYet("the query may not contain 'cat'")
    captions = _search_captions(model, answer, 3)
    hits = int(matches("cats", captions).sum())
    if not hits and is_random(model):  # the exercise's premise, a model that knows what a cat is, does not hold
        return _right(f"no cat in the top 3 ({'; '.join(captions)}), and none could be: this model has random weights, "
                      "so no wording finds a cat by its meaning. Try the same query on a trained model")
    if hits:
        return _right(f"{hits} cat image(s) in the top 3 without saying 'cat': {'; '.join(captions)}")
    raise NotYet(f"no cat in the top 3 ({'; '.join(captions)}); describe a cat another way, or name a relative")


# -- 07 search by image ------------------------------------------------------------------------

@exercise("07.1")
def _cats_like_photo(answer, model):
    from clipnb.cache import samples_dir

    value = _number(answer)
    captions = _search_captions(model, str(samples_dir() / "photos" / "chelsea.jpg"), 9)
    expected = int(matches("cats", captions).sum())
    if value == expected:
        return _right(f"{expected} of the 9 nearest images are cats" + (
            "" if expected >= 5 else "; look at what the others share with the photo instead: colour? texture? An "
            "image side reads a photograph only if it learned from photographs (the bundled models never saw one)"))
    raise NotYet("search with the photo's path, k=9 (the photo itself is left out), and count the captions "
                 "that name a cat or a kitten (clipnb.captions.matches('cats', …) counts them)")


SWAP_WEIGHTS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)  # exercise 07.2's weights w in img:cat - "a cat" + w * "a dog"


def swap_dogs(model, weight: float) -> list[str]:
    """Exercise 07.2: the top-5 captions of ``img:cat - "a cat" + weight * "a dog"`` on the sample corpus."""
    from clipnb.query import image, text

    return _search_captions(model, image(str(_sample("animals", "cat.png"))) - text("a cat") + weight * text("a dog"), 5)


@exercise("07.2")
def _cat_to_dog(answer, model):
    value = _number(answer)
    dogs = {w: int(matches("dogs", swap_dogs(model, w)).sum()) for w in SWAP_WEIGHTS}
    expected = next((w for w in SWAP_WEIGHTS if dogs[w] >= 4), 0.0)
    counts = ", ".join(f"w = {w:g}: {n}" for w, n in dogs.items())
    if value == expected:
        return _right(f"dogs in the top 5 — {counts}. " + (
            f"From w = {expected:g} the dog's direction outweighs the cat drawn in the picture." if expected else
            "No weight up to 3 gets there on this model: its text \"a dog\" does not point at the dog images"
            + (" (random weights: nothing was learned)" if is_random(model) else "") + "."))
    if value in dogs:
        raise NotYet(f"at w = {value:g} the top 5 holds {dogs[value]} dog(s); "
                     + ("that is 4 or more, but a smaller weight gets there too" if dogs[value] >= 4 else "not yet 4")
                     + f". Try each of {', '.join(f'{w:g}' for w in SWAP_WEIGHTS)}")
    raise NotYet(f"answer one of the weights {', '.join(f'{w:g}' for w in SWAP_WEIGHTS)}, or 0 if none of them puts "
                 "4 dogs in the top 5")


# -- 08 binary opposition ----------------------------------------------------------------------

def _faces_delta(model, poles=("a happy face", "a sad face")):
    """The face emoji, their image features, and delta = cos(pole A) − cos(pole B) for each."""
    faces = sorted(_sample("faces").glob("*.png"))
    image_features = model.encode_image(faces).numpy()
    scores = image_features @ model.encode_text(list(poles)).numpy().T
    return faces, image_features, scores[:, 0] - scores[:, 1]


@exercise("08.1")
def _happiest(answer, model):
    faces, _, delta = _faces_delta(model, ("happy", "sad"))
    names = [p.stem for p in faces]
    name = str(answer).strip()
    name = name.rsplit("/", 1)[-1].removesuffix(".png")
    if name not in names:
        raise NotYet(f"answer with a face's file name, one of: {', '.join(names)}")
    if name == names[int(delta.argmax())]:
        phrases = names[int(_faces_delta(model)[2].argmax())]
        return _right(f"{name}: delta {delta.max():+.3f} for the words happy / sad; the phrases \"a happy face\" / "
                      f"\"a sad face\" (section 2) put " + ("the same face first" if phrases == name else
                                                               f"{phrases} first: the wording moved the top"))
    raise NotYet(f"{name} has delta {delta[names.index(name)]:+.3f} for the words happy / sad; another face scores "
                 "higher (the words, not section 2's phrases)")


@exercise("08.2")
def _axis_order(answer, model):
    if isinstance(answer, (bool, np.bool_)):
        raise NotYet("give the reason too, as a pair (same, c): c is the number with axis = c · delta for every face")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or not isinstance(answer[0], (bool, np.bool_)):
        raise NotYet(f"answer a pair (True or False, c), e.g. (True, 1.5), not {answer!r}")
    same_answer, c = bool(answer[0]), _number(answer[1])
    faces, image_features, delta = _faces_delta(model, ("happy", "sad"))  # exercise 08.1's words
    a, b = model.encode_text(["happy", "sad"]).numpy()  # memoised: no second encode
    axis = image_features @ unit(a - b)
    same = bool((np.argsort(-delta, kind="stable") == np.argsort(-axis, kind="stable")).all())
    expected = 1 / float(np.linalg.norm(a - b))
    if same_answer != same:
        raise NotYet("compute both orders and compare them; then write delta as one dot product")
    if not _close(c, expected, 1e-3 * expected):
        raise NotYet(f"the order is right, but c = {c:.4g} does not turn the deltas into the axis scores: divide one "
                     "by the other for a few faces")
    return _right(f"delta = x·a − x·b = x·(a − b), and the axis score is that divided by |a − b| = {1 / expected:.4f}, "
                  "the same positive number for every face: " + ("one order" if same else
                                                                 "the orders differ only where floats tie"))


# -- 09 paths and orderings --------------------------------------------------------------------

@exercise("09.1")
def _slerp(answer, model):
    from clipnb.paths import slerp

    a, b = model.encode_text(["a cat", "a dog"]).numpy()
    expected = slerp(a, b, 0.5)[0]
    value = _vector(answer, len(expected))
    if np.allclose(value, expected, atol=1e-4):
        return _right("halfway along the great circle, still a unit vector")
    if np.allclose(value, (a + b) / 2, atol=1e-4):
        raise NotYet("that is the straight-line midpoint (lerp); slerp uses sin((1−t)Ω)·a + sin(tΩ)·b over sin Ω")
    raise NotYet("Ω = arccos(a·b); the midpoint is (sin(Ω/2)·a + sin(Ω/2)·b) / sin Ω")


@exercise("09.2")
def _lerp_norm(answer, model):
    value = _number(answer)
    a, b = model.encode_text(["a cat", "a dog"]).numpy()
    expected = float(np.linalg.norm((a + b) / 2))
    if _close(value, expected, 1e-3):
        return _right(f"{expected:.4f} < 1: the straight line cuts inside the sphere, which is why slerp exists")
    if _close(value, 1.0, 1e-3):
        raise NotYet("compute it rather than assume it: the midpoint of a chord is not on the sphere")
    raise NotYet("the lerp midpoint is (a + b) / 2; take its length with np.linalg.norm")


# -- 10 clustering ------------------------------------------------------------------------------

@exercise("10.1")
def _purity(answer):
    from clipnb.clusters import purity

    value = _number(answer)
    expected = purity(CLUSTERS_10, TRUTH_10)
    if _close(value, expected, 1e-3):
        return _right(f"purity = {expected:.3f}")
    raise NotYet("for each cluster count its most common true label, add those counts, divide by all images")


@exercise("10.2")
def _name_food(answer, model):
    names = ["an animal", "food", "a face", "a job"]
    choice = _choice(answer, names)
    centroid = unit(model.encode_image(sorted(_sample("food").glob("*.png"))).numpy().mean(0))
    scores = model.encode_text(names).numpy() @ centroid
    if choice == names[int(scores.argmax())]:
        return _right(f"{choice!r} names the food cluster's centroid best ({scores.max():.3f})")
    raise NotYet("average the food images' vectors, normalise, and compare with each name")


# -- 11 across models --------------------------------------------------------------------------

@exercise("11.1")
def _emoji_e3(answer):
    from clipnb import claims
    from clipnb.models import load_model
    from clipnb.samples import cat_images

    value = _number(answer)
    model, images = load_model("bundled:emoji", device="cpu"), cat_images()
    wins = {p.stem: claims.cat_beats_dog_and_monkey(model, [p]).status == claims.HOLDS for p in images}
    if value == sum(wins.values()):
        together = claims.cat_beats_dog_and_monkey(model, images)
        return _right(f"{sum(wins.values())} of {len(images)} on bundled:emoji ("
                      + ", ".join(f"{name} {'✔' if won else '✘'}" for name, won in wins.items())
                      + f"); E3, on their mean, {'holds' if together.status == claims.HOLDS else 'does not hold'}: "
                      + together.reason)
    raise NotYet(f"run claims.cat_beats_dog_and_monkey on bundled:emoji once per cat image (a list of one path), "
                 f"and count the images where its status is claims.HOLDS: a number from 0 to {len(images)}")


def verdict_kind(verdict) -> str:
    """A verdict without its numbers: "holds, beyond its null", "holds", "does not hold", "cannot be checked here"."""
    text = str(verdict)
    if text.startswith("holds, beyond"):
        return "holds, beyond its null"
    return "holds" if text.startswith("holds") else text


@exercise("11.2")
def _learned_claims(answer, verdicts):
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        raise NotYet("answer with a list of claim names, e.g. ['E3', 'E9']")
    if not {"bundled", "untrained"} <= set(verdicts.columns):
        raise NotYet("this exercise reads the 'bundled' and 'untrained' columns: run the notebook with them")
    given = {str(a) for a in answer}
    unknown = given - set(verdicts.index)
    if unknown:
        raise NotYet(f"{sorted(unknown)} are not claims of the table; they are {', '.join(verdicts.index)}")
    expected = {c for c in verdicts.index
                if verdict_kind(verdicts.loc[c, "bundled"]) != verdict_kind(verdicts.loc[c, "untrained"])}
    if given == expected:
        return _right(f"{sorted(expected) or 'none'}: where the trained model's kind of verdict (holds beyond its null, "
                      "holds, does not hold, cannot be checked; its numbers aside) differs from one random-weight "
                      "model's. One seed is a hint of what training changed, not proof; a claim with the same verdict "
                      "on random weights says nothing about what the model learned")
    raise NotYet(f"{len(given & expected)} of your {len(given)} are right and {len(expected - given)} are missing: "
                 "compare the 'bundled' and 'untrained' columns row by row, by the verdict's words before its "
                 "brackets (the p-values and counts differ whenever the models do)")
