"""What notebook 08's binary oppositions show, in words: the faces' order, the ends of each pair, the spread."""
from __future__ import annotations

from clipnb import claims
from clipnb.models import is_random
from clipnb.narrate.search import _first, _tell

BARE = (("man", "a man"), ("woman", "a woman"), ("happy", "a happy face"), ("sad", "a sad face"))


def short_caption(caption: str) -> str:
    """A caption's first part, and the skin tone where it names one (two emoji can differ only there)."""
    first, *rest = caption.split(",")
    tone = next((part.strip() for part in rest if "skin tone" in part), None)
    return f"{first} ({tone})" if tone else first


def face_order(auc, p_order, n_happy, n_sad, by_caption, model) -> None:
    """The happy and sad face emoji ordered by "a happy face" − "a sad face": ``auc``, the share of (happy, sad) pairs
    in the right order, and ``p_order``, its one-sided Mann–Whitney p. ``by_caption``: the happy and sad images the
    claims find by caption."""
    beyond = p_order <= claims.ALPHA
    _tell(f"happy faces rank above sad ones in {auc:.0%} of (happy, sad) pairs, where a shuffle would give about half: "
          + ("the difference orders these faces by mood." if beyond else "no more than shuffling the faces often gives.")
          + f"   [model: {model.name}]",
          f"  details: one-sided Mann–Whitney p = {p_order:.2g}, the chance that a random order of these {n_happy} + "
          f"{n_sad} faces does as well: {'beyond' if beyond else 'within'} chance at α = {claims.ALPHA}",
          f"  (these are the {n_happy} + {n_sad} face emoji the samples' list tags; the E12a verdicts above find the "
          f"poles by caption across the whole corpus, {by_caption[0]} + {by_caption[1]} images, other styles included)")


def bare_words(own) -> None:
    """Whether a bare word ("man") finds fewer of its own images among its 3 nearest than its phrase ("a man") does
    (``own``: pole → how many of its 3 nearest are captioned as it)."""
    weak = [f'"{w}" {own[w]} of 3 (against "{phrase}" {own[phrase]})' for w, phrase in BARE
            if w in own and phrase in own and own[w] < own[phrase]]
    if weak:
        _tell("Bare words find fewer of their own images than phrases do: " + "; ".join(weak) + " among the 3 nearest, "
              "by caption. On this model a single word is a weak query; the talk's pairs were phrases too.")


def pole_ends(corpus, by_pair, model) -> None:
    """What the 3 images at each end of a pair's ranking by delta hold (``by_pair``: (a, b) → opposition.rank), where
    they hold none of the pole's own images, or where no image is captioned as the pole at all."""
    lines = []
    for (a, b), ranking in by_pair.items():
        for pole, end in ((a, ranking.head(3)), (b, ranking.tail(3).iloc[::-1])):
            is_pole = claims.pole_images(corpus, pole)
            if is_pole.any() and not is_pole[[corpus.row_of(p) for p in end["path"]]].any():
                subjects = end["caption"].map(_first).value_counts()
                subject, n = subjects.index[0], subjects.iloc[0]
                lines.append(f'The "{pole}" end of "{a}" − "{b}" holds none of the {int(is_pole.sum())} images captioned '
                             f'as {pole}' + (f': {n} of its 3 are "{subject}"' if n > 1 else "") + ". The delta's end is "
                             f'what lies furthest from "{b if pole == a else a}", whatever it shows; one ranking cannot '
                             f'tell whether the model ties those images to "{pole}" or only sets them far from its '
                             "opposite.")
            toned = [short_caption(c) for c in end["caption"] if "skin tone" in c]
            if not is_pole.any() and toned:   # a pole no caption names whose end holds people named by skin tone
                lines.append(f'The "{pole}" end of "{a}" − "{b}" holds {", ".join(toned)}: no image here is captioned as '
                             f'"{pole}", so the model ranks whatever lies nearest the words\' difference first, and here '
                             "that includes people with a named skin tone"
                             + (": on random weights that is chance, but it is" if is_random(model) else ":")
                             + " the kind of association to look for before such a ranking reaches anyone.")
    _tell(*lines)


def spread(null, random_cosine, n_random) -> None:
    """How far each pair spreads the images, against ``n_random`` random word pairs (``null``: one row per pair, with
    the share of random pairs that spread as far, by delta and along the unit axis; ``random_cosine``: the median
    cosine of two random words)."""
    share = null["share of random pairs ≥"]
    lines = [f"spread {where} the {n_random} random word pairs: {', '.join(null.index[pairs]) or 'none'}"
             for where, pairs in [("above 95 % of", share < 0.05), ("within the middle 90 % of", share.between(0.05, 0.95)),
                                  ("below 95 % of", share > 0.95)]]
    near = [p for p in null.index[share > 0.95] if null.loc[p, "cosine of the two poles"] > random_cosine]
    if near:
        axis_share = null.loc[near, "along the unit axis: share ≥"]
        lines.append(f"Why below: the poles of {', '.join(near)} sit nearer each other (cosine "
                     f"{', '.join(f'{c:.2f}' for c in null.loc[near, 'cosine of the two poles'])}) than two random words "
                     f"do (median {random_cosine:.2f}), and two near words make a short difference, which spreads the "
                     "images less whatever it orders. Measured along the unit axis, which takes that length out, "
                     + (f"{', '.join(axis_share.index[axis_share <= 0.95])} no longer fall below the random pairs, and "
                        if (axis_share <= 0.95).any() else "")
                     + (f"{', '.join(axis_share.index[axis_share > 0.95])} still do: the images spread less along their "
                        "axis than along a random pair's, so the words' distance is not the whole reason."
                        if (axis_share > 0.95).any() else "none stays below them."))
    beyond_axis = null.index[null["along the unit axis: share ≥"] < 0.05]
    if len(beyond_axis):
        lines.append(f"Along the unit axis, {', '.join(beyond_axis)} spread{'s' if len(beyond_axis) == 1 else ''} the "
                     "images more than 95 % of the random pairs: with the words' distance taken out, the images line up "
                     f"along {'this pair' if len(beyond_axis) == 1 else 'these pairs'} more than along random ones.")
    _tell(*lines)
