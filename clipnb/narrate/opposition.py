"""What notebook 08's binary oppositions show, in words: the faces' order, the ends of each pair, the spread."""
from __future__ import annotations

import re

import pandas as pd

from clipnb import captions, claims
from clipnb.models import is_random
from clipnb.narrate._say import _first, say
from clipnb.narrate.search import APES
from clipnb.opposition import nearest_to_pole
from clipnb.probes import TONE_LEVELS, drawing, tone_level

BARE = (("man", "a man"), ("woman", "a woman"), ("happy", "a happy face"), ("sad", "a sad face"))


def _tone(caption: str) -> str | None:
    """The skin tone a caption names ("medium-dark skin tone"), or None."""
    return next((part.strip() for part in caption.split(",")[1:] if "skin tone" in part), None)


def short_caption(caption: str) -> str:
    """A caption's first part, and the skin tone where it names one (two emoji can differ only there); a one-word
    title ("white", a clip-art's) gets its first tag too ("white (playing card)"), which says what it shows."""
    first, *rest = captions.gloss(caption).split(",")   # a title in another language gets its English gloss
    tone = _tone(caption)
    if tone:
        return f"{first} ({tone})"
    return f"{first} ({rest[0].strip()})" if len(first.split()) == 1 and rest and rest[0].strip() else first


def colourings(toned, order, caption_of) -> list:
    """For each image of ``toned`` (the paths of images at one end of a ranking whose file names a skin tone) that the
    same emoji shows in other colourings too (another tone, or the plain yellow): (:func:`short_caption` of its caption,
    ``caption_of(path)``, its own rank, the others' ranks), ranks counted in ``order`` (every image's path, from this
    end first). The emoji and its tone are read from the file name (:func:`clipnb.probes.drawing`, :func:`tone_level`).
    An image with no other colouring in ``order`` is left out: nothing to set it against."""
    rows, order = [], list(order)
    for path in toned:
        own = next((i for i, other in enumerate(order, 1) if other == path), None)
        others = [i for i, other in enumerate(order, 1) if drawing(other) == drawing(path)
                  and tone_level(other) != tone_level(path)]
        if own and others:
            rows.append((short_caption(caption_of(path)), own, others))
    return rows


DARKER = TONE_LEVELS["medium-dark"]   # medium-dark and dark: the two darker of the five tones
TONE_NAMES = {level: f"{name} skin tone" for name, level in TONE_LEVELS.items()}


def _darker(path) -> bool:
    return (tone_level(path) or 0) >= DARKER


def first_colourings(paths, order) -> list:
    """The emoji among ``paths`` (images at one end of a ranking) that the corpus shows in several colourings: for
    each, once, (its drawing, the path of its colouring that comes first in ``order`` (every image's path, from this
    end first), the share of its colourings in a darker tone). Which colouring comes first is what a tone could move: an
    emoji reaches an end by its best colouring, so only that choice is compared with chance."""
    rows, seen = [], set()
    for path in paths:
        if drawing(path) in seen:
            continue
        seen.add(drawing(path))
        mine = [other for other in order if drawing(other) == drawing(path)]
        if len({tone_level(p) for p in mine}) > 1:
            rows.append((drawing(path), mine[0], sum(map(_darker, mine)) / len(mine)))
    return rows


def _darker_first(rows) -> tuple[int, float, float]:
    """(how many of ``rows`` (first colouring's path, darker share) come first in a darker tone, how many would by
    chance, the one-sided p of at least that many): the exact Poisson-binomial tail, each emoji its own chance."""
    darker = sum(_darker(first) for first, _ in rows)
    tail = [1.0]   # tail[k]: the chance of exactly k darker firsts so far
    for _, share in rows:
        tail = [a * (1 - share) + b * share for a, b in zip(tail + [0.0], [0.0] + tail)]
    return darker, sum(share for _, share in rows), float(sum(tail[darker:]))


def _tone_sentences(rows, pole) -> list:
    """Each toned image at an end against its own emoji's other colourings: behind one of them, the drawing puts it
    there; ahead of all, its tone sets it apart, though on one emoji's few colourings that is a 1-in-k chance."""
    lines = []
    for c, own, others in rows:
        ranks = ", ".join(f"#{r}" for r in sorted(others))
        if own > min(others):
            lines.append(f"  {c!r} ranks #{own} at this end; the same emoji in another colouring ranks ahead of it "
                         f"({ranks}): the drawing, not its skin tone, puts it here.")
        else:
            lines.append(f"  {c!r} ranks #{own} at the \"{pole}\" end, ahead of the same emoji in its other colourings "
                         f"({ranks}): one of its {1 + len(others)} colourings had to come first, so one emoji proves "
                         "nothing; section 4 reads such emoji together.")
    return lines


def face_order(auc, p_order, n_happy, n_sad, by_caption, model) -> None:
    """The happy and sad face emoji ordered by "a happy face" − "a sad face": ``auc``, the share of (happy, sad) pairs
    in the right order, and ``p_order``, its one-sided Mann–Whitney p. ``by_caption``: the happy and sad images the
    claims find by caption."""
    beyond = p_order <= claims.ALPHA
    say(f"happy faces rank above sad ones in {auc:.0%} of (happy, sad) pairs, where a shuffle would give about half: "
          + ("the difference orders these faces by mood." if beyond else "no more than shuffling the faces often gives.")
          + f"   [model: {model.name}]",
          f"  (these are the {n_happy} + {n_sad} face emoji the samples' list tags; the verdicts of section 1 find the "
          f"poles by caption across the whole corpus, {by_caption[0]} + {by_caption[1]} images, other styles included)",
          more="which faces these are")


def _bare_words(own, instead=None) -> tuple:
    """Whether a bare word ("man") finds fewer of its own images among its 3 nearest than its phrase ("a man") does
    (``own``: pole → how many of its 3 nearest are captioned as it; ``instead``: pole → the captions of those 3
    that are not): (the sentence to show, the detail to fold), each None where no bare word finds fewer."""
    weak = [w for w, phrase in BARE if w in own and phrase in own and own[w] < own[phrase]]
    if not weak:
        return None, None
    found = [f'"{w}": ' + "; ".join(map(short_caption, instead[w])) for w in weak if instead and instead.get(w)]
    return ("Bare words find fewer of their own images than phrases do: "
            + "; ".join(f'"{w}" {own[w]} of 3 (against "{phrase}" {own[phrase]})' for w, phrase in BARE if w in weak)
            + " among the 3 nearest, by caption. On this model a single word is a weak query.",
            ("What the bare words find instead: " + "; ".join(found) + ". " if found else "")
            + "(The talk's own pair was the bare \"happy\" / \"sad\", which found the speaker's jumping hikers on his "
            "web-trained CLIP.)")


def _first_part(corpus, path) -> str:
    """An image's caption before its first comma: the emoji's name without its skin tone ("a health worker")."""
    return corpus.table["caption"].iloc[corpus.row_of(path)].split(",")[0].strip()


def _people(captions_):
    """How many of the captions name women (girls), men (boys), a skin tone, or a flag."""
    from clipnb import captions

    return {"women": int(captions.matches("women", captions_).sum()), "men": int(captions.matches("men", captions_).sum()),
            "flags": sum("flag" in c.lower() for c in captions_)}


def _ends(corpus, by_pair) -> tuple:
    """What the 3 images at each end of a pair's ranking by delta hold (``by_pair``: (a, b) → opposition.rank): the
    ends that hold none of their pole's images, an image at an end that is not the pole, and, for a pair no caption
    names (mind / body), whom the model sets at each end: women against men, people named by a skin tone, flags.
    Returns (the skin-tone sentence to show, its detail, the ends' sentences, the readings), to show or fold."""
    empty, by_colouring, lines, readings = [], [], [], []   # readings: what pairs naming no people set at their ends
    for (a, b), ranking in by_pair.items():
        ends = {a: ranking.head(3), b: ranking.tail(3).iloc[::-1]}
        named = {pole: claims.pole_images(corpus, pole) for pole in ends}
        for pole, end in ends.items():
            is_pole = named[pole][[corpus.row_of(p) for p in end["path"]]]
            if named[pole].any() and not is_pole.any():
                subjects = end["caption"].map(_first).value_counts()
                empty.append(f'the "{pole}" end of "{a}" − "{b}" (its 3 hold none of the {int(named[pole].sum())} '
                             f'captioned as {pole}'
                             + (f'; {subjects.iloc[0]} of its 3 "{subjects.index[0]}"' if subjects.iloc[0] > 1 else "")
                             + ")")
            elif named[pole].any() and not is_pole.all():
                strays = [short_caption(c) for c, hit in zip(end["caption"], is_pole) if not hit]
                lines.append(f'The "{pole}" end of "{a}" − "{b}" holds {int(is_pole.sum())} of 3 images captioned as '
                             f"{pole}; the other{'s are' if len(strays) > 1 else ' is'} "
                             + "; ".join(map(repr, strays)) + ".")
        if not _people([a, b])["women"] and not _people([a, b])["men"]:   # words that name no people: who is at the ends?
            for pole, end in ends.items():
                is_pole = named[pole][[corpus.row_of(p) for p in end["path"]]]
                order = list(ranking["path"] if pole == a else ranking["path"][::-1])
                counted = {row[1] for row in by_colouring}   # each emoji once: two ends of one drawing are not two
                by_colouring += [(pole, *row) for row in first_colourings(
                    [p for p, hit in zip(end["path"], is_pole) if not hit], order) if row[0] not in counted]
        if named[a].any() or named[b].any():
            continue
        # a pair that names no people: whom, and what, does the model set at each end? Its 3 by delta and the 3
        # nearest to the word, as the table shows them
        seen = {pole: pd.concat([end, nearest_to_pole(corpus, pole, 3)]).drop_duplicates("path") for pole, end in ends.items()}
        counts = {pole: _people(list(shown["caption"])) for pole, shown in seen.items()}
        for kind, what in (("women", "women or girls"), ("men", "men or boys")):
            for pole, other in ((a, b), (b, a)):
                if counts[pole][kind] >= 2 and counts[other][kind] == 0:
                    readings.append(f'The "{pole}" end of "{a}" − "{b}" holds {counts[pole][kind]} {what} (its 3 by the '
                                 f'difference and the 3 nearest "{pole}"); the "{other}" end holds none. That is how '
                                 "structuralism reads such pairs (man/woman beside mind/body), but on a handful of "
                                 "images it is a hint, not a finding: no test is run here. Look at the pictures "
                                 "before reading a meaning into it.")
        for pole, end in ends.items():
            if counts[pole]["flags"] >= 2:
                flags = [_first(c) for c in seen[pole]["caption"] if "flag" in c.lower()]
                readings.append(f'The images by "{pole}" in "{a}" − "{b}" (its 3 by the difference and the 3 nearest it) '
                             f'hold {len(flags)} flags ({", ".join(flags)}): the model sets "{pole}" near countries here, a hint '
                             "from a handful of images, not a finding (no test is run here).")
    if empty:
        lines.insert(0, "Ends (the 3 images at each end, as in the table) that hold none of their pole's captioned images: "
                     + "; ".join(empty) + ". Such an end is "
                     "what lies furthest from the other pole, whatever it shows. One ranking cannot tell whether the "
                     "model ties those images to the pole or only sets them far from its opposite.")
    tone, tone_detail = None, None
    if by_colouring:   # in the table for all to see, so said where the table is, not folded
        darker, expected, p = _darker_first([(first, share) for _, _, first, share in by_colouring])
        tone = (f"At the ends of the pairs whose words name no man or woman, {darker} of {len(by_colouring)} emoji drawn in several "
                "skin tones come first in a darker tone (medium-dark or dark), where chance gives about "
                f"{expected:.1f}. The chance of {darker} or more by luck alone is p = {p:.2g}, so this is "
                + ("more than the drawings explain, an association to check on more images before such a ranking "
                   "reaches anyone." if p <= claims.ALPHA else
                   f"more than chance predicts, but within it on {len(by_colouring)} emoji: a lead to check on more "
                   "images, not a finding." if darker > expected else "no more than chance puts there."))
        tone_detail = ("Which colouring of each emoji comes first (each emoji once): "
                       + "; ".join(f'{_first_part(corpus, first)} at "{pole}" '
                                   f'({TONE_NAMES.get(tone_level(first), "yellow")})' for pole, _, first, _ in by_colouring)
                       + ". If tone played no part, each emoji's colourings would be equally likely to come first.")
    return tone, tone_detail, lines, readings


def pair_table(corpus, by_pair, own, instead, model) -> None:
    """Section 4's table in words: two sentences to read (bare words against phrases; the skin tones that come first at
    the ends of pairs naming no people), the rest one click away (what each end holds, what the pairs that name no
    people set there). ``own``/``instead``: see :func:`_bare_words`; ``by_pair``: see :func:`_ends`."""
    from clipnb.display import folded

    bare, bare_detail = _bare_words(own, instead)
    tone, tone_detail, lines, readings = _ends(corpus, by_pair)
    shown = [line for line in (bare, tone) if line]
    if shown:
        shown[-1] += f"   [model: {model.name}]"
    say(*shown, more=None)
    detail = [line for line in (*lines, tone_detail, bare_detail, *readings) if line]
    if detail:
        with folded("The table end by end: what each end holds, read against its pole (click to open)"):
            say(*detail)


def spread(null, random_cosine, n_random) -> None:
    """How far each pair spreads the images, against ``n_random`` random word pairs (``null``: one row per pair, with
    the share of random pairs that spread as far, by delta and along the unit axis; ``random_cosine``: the median
    cosine of two random words): the learner's three lines, and what they mean."""
    share = null["share of random pairs spreading as wide"]
    groups = [("wider than 95 % of", share < 0.05), ("as widely as the middle 90 % of", share.between(0.05, 0.95)),
              ("narrower than 95 % of", share > 0.95)]
    lines = [f"pairs that spread the images {where} the {n_random} random word pairs: "
             f"{', '.join(null.index[pairs]) or 'none'}" for where, pairs in groups]
    lines.append("So no pair's spread shows that its ends mean more than a random pair's." if not (share < 0.05).any()
                 else f"Only {', '.join(null.index[share < 0.05])} "
                      + ("pushes its" if (share < 0.05).sum() == 1 else "push their")
                      + " ends further apart than random words do.")
    axis = null.index[(null["along the unit axis: share spreading as wide"] < 0.05) & ~(share < 0.05)]
    if len(axis):
        lines[-1] += (f" With the two words' own distance taken out (below), {', '.join(axis)} "
                      f"{'does' if len(axis) == 1 else 'do'}.")
    say(*lines, more=None)


def spread_why(null, random_cosine) -> None:
    """Why a pair spreads narrower than random pairs: its poles' closeness, and the spread along the unit axis, which
    takes that closeness out (``random_cosine``: the median cosine of two random words)."""
    share = null["share of random pairs spreading as wide"]
    lines = []
    near = [p for p in null.index[share > 0.95] if null.loc[p, "cosine of the two poles"] > random_cosine]
    if near:
        axis_share = null.loc[near, "along the unit axis: share spreading as wide"]
        lines.append(f"Why narrower? One reason can be the words: the poles of {', '.join(near)} sit nearer each other "
                     f"(cosine {', '.join(f'{c:.2f}' for c in null.loc[near, 'cosine of the two poles'])}) than two random "
                     f"words do (median {random_cosine:.2f}). Two near words make a short difference, which spreads "
                     "the images less whatever it orders.")
        lines.append("Measured along the unit axis, which takes that length out, "
                     + (f"{', '.join(axis_share.index[axis_share <= 0.95])} no longer fall below the random pairs. "
                        if (axis_share <= 0.95).any() else "")
                     + (f"{', '.join(axis_share.index[axis_share > 0.95])} still do: the images spread less along their "
                        "axis than along a random pair's, so the words' distance is not the whole reason."
                        if (axis_share > 0.95).any() else "None stays below them."))
    beyond_axis = null.index[null["along the unit axis: share spreading as wide"] < 0.05]
    if len(beyond_axis):
        lines.append(f"Along the unit axis, {', '.join(beyond_axis)} spread{'s' if len(beyond_axis) == 1 else ''} the "
                     "images more than 95 % of the random pairs: with the words' distance taken out, the images line up "
                     f"along {'this pair' if len(beyond_axis) == 1 else 'these pairs'} more than along random ones.")
    say(*lines, more=None)


# words in a caption that name a person (beside captions' "men" and "women"): an emoji's person, profession or role
PERSON = (r"\b(?:person|people|persons|child|children|kids?|bab(?:y|ies)|adults?|worker|technologist|scientist|"
          r"doctor|nurse|teacher|farmer|cook|judge|artist|singer|astronaut|officer|pilot|firefighter|mechanic|student|"
          r"detective|guard|ninja|runner|skier|surfer|climber|pattinatrice)\b")


def talk_pair(judged, model, random: bool) -> None:
    """08: the talk's own pair, "happy" / "sad", in words: its verdict (``judged``, E12a at 5 an end) set beside the
    speaker's jumping hikers and head-in-hands figure."""
    talk = judged.result
    if talk.status == claims.HOLDS and judged.beyond_random:
        say("Here too the difference finds more happy and sad faces at its two ends than nearness to each word does, "
              "beyond what unrelated words do in its place, as it found jumping hikers and a seated man with his head in "
              "his hands for the speaker.")
    elif talk.status == claims.HOLDS:
        say(f"It holds, but by little: {judged.reaching} of {judged.tested} control words put in place of the opposite "
              "pole ('sad') do as well, so this is not evidence that the difference finds the moods here (the speaker's "
              "jumping hikers and head-in-hands figure were a demonstration on other images, not a test).")
    elif talk.status == claims.FAILS:
        say("Not here: the difference finds no more happy and sad faces than nearness does, unlike the speaker's "
              "jumping hikers and head-in-hands figure."
              + (" On random weights neither ranking knows what the words mean." if random else ""))
    else:
        say("This corpus has no images captioned as happy or sad faces, so the check cannot be made here.")


def _mood_against(mood, pole) -> str:
    """", a sad face at 'happy'" where a drawn mood is the pole's opposite, else nothing."""
    word = re.sub(r"^(?:an? )|(?: face)$", "", pole.strip().lower()).split()[-1]
    if word == "happy" and "frown" in mood:
        return f', a sad face at "{pole}"'
    return f', a happy face at "{pole}"' if word == "sad" and "smil" in mood else ""


def off_pole(corpus, pole, shown, where: str = "nearest to", order=None) -> None:
    """The images among ``shown`` (a grid for ``pole``: the nearest to it, or the most of it by the difference) that
    are not captioned as the pole, where some images are. ``order``: every image's path in the ranking ``shown``
    heads (from this end first); with it, an image whose file names a skin tone is set against the same emoji in its other
    colourings (:func:`colourings`)."""
    named = claims.pole_images(corpus, pole)
    if not named.any():
        return
    hits = named[[corpus.row_of(p) for p in shown["path"]]]
    if not hits.all():
        strays = [short_caption(c) for c, hit in zip(shown["caption"], hits) if not hit]
        listed = "; ".join(map(repr, strays))   # a list of three or more is read one click away
        lines = [f'{where} "{pole}": {len(strays)} of {len(shown)} {"is" if len(strays) == 1 else "are"} not captioned as '
                 + (f"{pole} ({listed})." if len(strays) <= 2 else f"{pole}."),
                 "" if len(strays) <= 2 else f"They are: {listed}."]
        apes = [c for c in strays if re.search(APES, c, re.IGNORECASE)]
        if apes and (_people([pole])["men"] or _people([pole])["women"]):
            lines.append(f"  {apes[0]!r} near \"{pole}\" again, as in notebook 06: the association behind Google Photos' "
                         "2015 failure, shown here to whoever searches.")
        objects = [c for c in strays if not re.search(PERSON, c, re.IGNORECASE) and not re.search(APES, c, re.IGNORECASE)
                   and not (_people([c])["men"] or _people([c])["women"])]
        if objects and (_people([pole])["men"] or _people([pole])["women"]):
            lines.append(f"  {'Not a person' if len(objects) == 1 else 'Not people'} at all: {', '.join(map(repr, objects))}, "
                         "at a word for people. Read "
                         + ("it" if len(objects) == 1 else "them") + " as what the model sets far from the other pole, "
                         "not as a picture of the word; still, an object tied to a word for people is worth a second look.")
        smileys = [(p, c) for p, c, hit in zip(shown["path"], shown["caption"], hits)
                   if not hit and re.search(r"\bsmil(?:ey|ies)\b", c, re.IGNORECASE)]
        if smileys and pole.split()[-1] in ("happy", "sad", "face"):
            seen = [(short_caption(c), captions.drawn(p)) for p, c in smileys]
            lines.append("  \"smiley\" names a round face icon, not its mood: "
                         + "; ".join(f"{c!r} is drawn {mood}" + _mood_against(mood, pole) if mood else
                                     f"{c!r}: look at its face before counting it either way" for c, mood in seen)
                         + ".")
        toned = [p for p, hit in zip(shown["path"], hits) if not hit and tone_level(p)]
        if toned and order is not None and not (_people([pole])["men"] or _people([pole])["women"]):
            caption_of = dict(zip(shown["path"], shown["caption"])).get
            lines[0] += (f" {'One of them is an emoji' if len(toned) == 1 else f'{len(toned)} of them are emoji'} drawn "
                         "in a skin tone: whether the tone or the drawing puts "
                         + ("it" if len(toned) == 1 else "them") + " here is one click away, and section 4 reads such emoji "
                         "together.")
            lines += _tone_sentences(colourings(toned, order, caption_of), pole)
        say(*lines, more="what these images are")


def ends_and_order(ends, auc, p_order, pair, k, n_images) -> None:
    """What the phrases' axis ``pair`` shows, read from its two questions: its ends over the whole corpus of ``n_images``
    (``ends``, the E12a verdict for the pair at ``k`` images an end) and its order among the face emoji (``auc``,
    ``p_order``; None where the corpus has none)."""
    if auc is None or ends.result.status not in (claims.HOLDS, claims.FAILS):
        return
    counts = ends.result.numbers.set_index("measure")["value"]
    by_delta, nearest = int(counts["pole images by delta"]), int(counts["pole images nearest to pole"])
    of = f" of {2 * k}"
    a, b = pair
    ordered = p_order <= claims.ALPHA
    head = f'So, for "{a}" / "{b}": '
    if ends.result.status == claims.FAILS and ordered:
        say(head + f"among the faces alone, the difference sorts them by mood, but over all {n_images} images "
              f"its two ends hold {by_delta}{of} faces of the two moods, against {nearest} among the images nearest each "
              "phrase.",
              "Both are true. The ends are whatever lies furthest from the other pole, whatever it shows; within one "
              "kind of image, the difference reads the mood.", more="how both can be true")
    elif ends.result.status == claims.HOLDS and ordered:
        say(head + f"both hold. Its ends hold more faces of the two moods than nearness finds ({by_delta} against "
              f"{nearest}{of}), and among the faces alone it sorts them by mood.")
    elif ends.result.status == claims.FAILS:
        say(head + f"neither holds on this model. Its ends hold {by_delta}{of} faces of the two moods ({nearest} among "
              "the nearest to each phrase), and among the faces alone its order is within chance.")
    else:
        say(head + f"its ends hold more faces of the two moods than nearness finds ({by_delta} against {nearest}{of}), "
              "but among the faces alone its order is within chance: a few clear faces at the ends, not a scale of mood.")


def opposition_summary(judged, auc, p_order, model) -> None:
    """Notebook 08 in short: the talk's claim (E12a, ``judged``) and the faces' order (``auc``, ``p_order``; None where
    the corpus has no face emoji)."""
    claim = ("yes, beyond unrelated words put in place of the opposite pole" if judged.beyond_random else
             "yes, but unrelated words in place of the opposite pole do as well" if judged.result.status == claims.HOLDS
             else "no" if judged.result.status == claims.FAILS else "it cannot be checked here")
    lines = [f"In short, on {model.name}:",
             f"* its ends: does the difference of \"happy\" and \"sad\" find more happy and sad faces than nearness to "
             f"each word does (the talk's claim, section 1)? {claim};"]
    if auc is not None:
        lines.append(f"* its order: among the face emoji, the phrases' difference (\"a happy face\" − \"a sad face\") "
                     f"puts happy above sad in {auc:.0%} of (happy, sad) pairs, "
                     + ("beyond chance (section 2);" if p_order <= claims.ALPHA else "within chance (section 2);"))
    lines.append("* for one pair, raw similarities and probabilities rank the images in the same order (section 5).")
    say(*lines, more=None)
