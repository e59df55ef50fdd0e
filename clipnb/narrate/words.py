"""What word rankings show, in words: notebooks 01 (a cat's nearest texts), 03 (phrasings) and 05 (neighbours, hubs
and odd strings)."""
from __future__ import annotations

from clipnb import captions
from clipnb.narrate._say import COIN_TOSS, say

CAT_WORDS = ("cat", "kitten", "tiger", "lion")   # 05's vocabulary: the words a cat-like string should land on


def angle_baseline(angles, baseline, unrelated, pairs, model) -> None:
    """01: cat–dog and cat–monkey (``angles``: degrees between the talk's three texts) read against ``baseline``, the
    median angle between ``pairs`` pairs of the ``unrelated`` phrases on the same model."""
    dog, monkey = angles.loc["a cat", "a dog"], angles.loc["a cat", "a monkey"]
    say(f"cat–dog sits at {dog:.1f}°, and two unrelated phrases at a median {baseline:.1f}° on this model. So cat–dog "
        "is " + ("below that baseline: nearer than unrelated things." if dog < baseline
                 else "no nearer than unrelated things.") + f"   [model: {model.name}]",
        f"cat–monkey sits at {monkey:.1f}°: " + ("about as far as unrelated phrases (within 5°): this model ties a cat "
                                                "to a dog, but barely to a monkey." if monkey >= baseline - 5 else
                                                "nearer than unrelated phrases, if less near than cat–dog."
                                                if monkey > dog else "nearer than cat–dog."),
        f"The unrelated phrases: {', '.join(unrelated)} ({pairs} pairs).", more="cat–monkey, and the unrelated phrases")


def gap_against_twin(gap, twin_gap, model, random: bool) -> None:
    """01: the modality gap's measures (``gap``, :func:`clipnb.geometry.modality_gap`) beside the random-weight
    twin's (``twin_gap``); ``random``: the model is itself a random-weight one."""
    lines = []
    if random:
        lines.append("This model has random weights: the two columns are one model.")
    else:
        wider = "wider" if gap["centroid distance"] > twin_gap["centroid distance"] else "narrower"
        images, twins = gap["mean cosine image-image"], twin_gap["mean cosine image-image"]
        lines += [f"The distance between the centres of the two clouds: {gap['centroid distance']:.3f} here, "
                  f"{twin_gap['centroid distance']:.3f} with random weights. So the gap is {wider} than with nothing "
                  "learned.",
                  f"Two images' mean cosine: {images:.3f} here, {twins:.3f} with random weights. "
                  + ("Near 1 here too: the images sit close together in one direction." if images > 0.5 else
                     "So with random weights the images sit near 1, together in one direction; this model points them "
                     "many ways." if twins > 0.5 else "They are spread out, with random weights and with these.")]
    ii, it = gap["mean cosine image-image"], gap["mean cosine image-text"]
    lines.append(f"mean cosine image–image {ii:.3f}, image–text {it:.3f}: "
                 + ("images sit nearer each other than to texts, as in real CLIPs" + ("." if ii > 0.3 else
                    f", though by little: real CLIPs' image–image cosines are far larger than {ii:.2f}.")
                    if ii > it + 0.05 else
                    "on this model images are not much nearer each other than to texts, unlike real CLIPs, so what is "
                    "said below of real CLIPs' scores does not carry over to it."))
    say(*lines)


def gap_verdict(gap, accuracy, twin_check, twin_accuracy, random: bool) -> None:
    """01: what the random-weight twin's classifier does (``twin_check``, its E1 result; ``twin_accuracy``), and how
    near the model's own ``accuracy`` comes to a gap where E1 (``gap``) fails."""
    from clipnb import claims

    lines = []
    if not random:
        lines.append(f"With random weights (the same architecture, nothing learned) the classifier's accuracy is "
                     f"{twin_accuracy:.3f}" + (f", and the claim {'holds' if twin_check.status == claims.HOLDS else 'fails'}"
                                               " there" + (": the two untrained networks (the image and the text tower) "
                                                           "already put images and texts apart, so a gap alone shows no "
                                                           "learning (Liang et al. found it at initialisation)."
                                                           if twin_accuracy >= 0.95 else ".")))
        if twin_accuracy >= 0.95 and accuracy < twin_accuracy - 0.05:   # training narrowed the gap it started with
            lines[-1] += (f" Here training narrowed it ({accuracy:.0%} against {twin_accuracy:.0%}): contrastive "
                          "training pulls each image towards its own caption.")
    if gap.status == claims.FAILS and accuracy > 0.6:
        lines.append(f"Not a clean gap, but not none: the classifier tells an image from a caption {accuracy:.0%} of the "
                     "time, where guessing would manage 50%. The claim asks for a clean separation, as in real CLIPs (this "
                     "project's bar: 95% or more, with a margin).")
    say(*lines)


def cat_neighbours(name, neighbours, model) -> None:
    """01: where "a cat" ranks among the texts nearest one cat image (``neighbours``: the texts, nearest first, with
    their cosines), and whether a text ahead of it names a cat too."""
    order = list(neighbours["neighbour"])
    rank = order.index("a cat") + 1
    ahead = order[:rank - 1]
    cat_words = [w for w in ahead if captions.matches("cats", [w])[0]]   # "a kitten" is a cat too
    margin = neighbours["cosine"].iloc[0] - neighbours["cosine"].iloc[1]   # the first text over the second
    second = neighbours["neighbour"].iloc[1]
    if rank == 1:
        reading = " — the nearest text" + (f", only {margin:.3f} ahead of {second!r}" if margin < 0.05 else "")
    else:
        reading = (f", behind {', '.join(map(repr, ahead[:4]))}{f' and {len(ahead) - 4} more' if len(ahead) > 4 else ''}. "
                   + ((f"The nearest text, {ahead[0]!r}, names a cat too: the model reads it as a cat, if not by the "
                       "plain word" if margin >= 0.05 else
                       f"The nearest text, {ahead[0]!r}, names a cat too, but only {margin:.3f} ahead of {second!r}, "
                       "so at best a weak reading as a cat")
                      if ahead[0] in cat_words else
                      "This model misses it" + (f" (though {', '.join(map(repr, cat_words))}, ahead of it, names a cat "
                                                "too)" if cat_words else "")))
    say(f'{name}: "a cat" ranks {rank} of {len(order)}{reading}   [model: {model.name}]')


def phrasings(phrasing, cat_words, odd_spellings, tie) -> None:
    """03: what the ranking of phrasings for one cat image (``phrasing``: cosine per phrase, highest first) shows:
    phrases about something else above "a cat", cat phrasings below an empty word, other animals above plain cat
    phrasings (by more than ``tie``). ``cat_words``: the phrasings that mean a cat; ``odd_spellings``: those of them
    misspelt, foreign or the meme's."""
    rank_of_cat = list(phrasing.index).index("a cat") + 1
    lines = []
    above = [v for v in phrasing.index[:rank_of_cat - 1] if v not in cat_words]
    if above:
        lines.append(f'phrases about something else score above "a cat" here: {", ".join(above)}.')
    empty = phrasing[["the", "."]].max()
    below_empty = [v for v in cat_words if phrasing[v] < empty]
    if below_empty:
        plain_english = [v for v in below_empty if v not in odd_spellings]
        lines.append(f'{len(below_empty)} cat phrasings score below the better empty word, '
                     f'"{phrasing[["the", "."]].idxmax()}" ({empty:.3f}): '
                     f'{", ".join(sorted(below_empty, key=phrasing.get))}. A model that knows the words should put every '
                     "cat phrasing above them; "
                     + (f"here even plain English ones ({', '.join(sorted(plain_english))}) fall below: this model's "
                        "text side does not tie them to this image." if plain_english else
                        "misspellings and other languages are where a small model's vocabulary ends."))
    mash = [v for v in ("asdf", "3hlufakjsdnfa3fnaj;ld") if v in phrasing.index]   # keyboard-mash: means nothing
    under_mash = {m: [v for v in cat_words if phrasing[v] < phrasing[m]] for m in mash}
    under_mash = {m: below for m, below in under_mash.items() if below}
    if under_mash:
        lines.append("Keyboard-mash above cat phrasings: " + "; ".join(
            f'"{m}" ({phrasing[m]:.3f}) above {", ".join(sorted(below, key=phrasing.get, reverse=True))}'
            for m, below in under_mash.items()) + ". A string that means nothing beats real words for a cat here: "
            "those words carry less of this image than noise does.")
    not_cat_above = [v for v in ("a dog", "a photo of a dog", "a tiger") if phrasing[v] > phrasing["cat"]]
    if not_cat_above:
        lines.append(f'{", ".join(not_cat_above)} score{"s" if len(not_cat_above) == 1 else ""} above the bare word '
                     '"cat": here the image sits nearer some other animal words than the word for what it shows.')
    # other animals above plain-English cat phrasings (a tiger above "a tabby cat" is a mistake, not a misspelling)
    plain_cat = sorted(set(cat_words) - set(odd_spellings), key=phrasing.get)
    # a tiger is a feline and a big cat: only the house-cat words count as beaten by it
    kin = {"a tiger": {"a feline"}}
    beaten = {o: [v for v in plain_cat if phrasing[v] < phrasing[o] - tie and v not in kin.get(o, ())]
              for o in ("a dog", "a photo of a dog", "a tiger")}
    beaten = {o: below for o, below in beaten.items() if below}
    if beaten:
        lines.append(f"Other animals above plain English cat phrasings (by more than {tie}): "
                     + "; ".join(f'"{o}" above {", ".join(below)}' for o, below in beaten.items())
                     + ". For this image, these wordings carry less of 'cat' than another animal's name does.")
    for o, family in kin.items():   # the kin it may beat: no mistake of kind, but worth naming
        lower = [v for v in sorted(family) if v in phrasing.index and phrasing[v] < phrasing[o] - tie]
        if lower:
            lines.append(f'"{o}" ({phrasing[o]:.3f}) also scores above {", ".join(f"{v!r} ({phrasing[v]:.3f})" for v in lower)}. '
                         "A tiger is a feline, so this is no mistake of kind, but the model ties this cat more to a big "
                         "cat's name than to the word for its family.")
    tied = {o: [v for v in plain_cat if abs(phrasing[v] - phrasing[o]) <= tie and v not in kin.get(o, ())]
            for o in ("a dog", "a photo of a dog", "a tiger")}
    for o, level in tied.items():
        if level:
            lines.append(f'"{o}" ties with {", ".join(map(repr, level))} (within {tie}): for this image the model barely '
                         f"tells {o[2:]} from that wording of cat.")
    odd = sorted((v for v in odd_spellings if phrasing[v] < phrasing["a dog"] - tie), key=phrasing.get)
    if odd:
        lines.append(f'"a dog" also scores above {", ".join(odd)}: where a cat word is misspelt or in another language, '
                     "another animal's plain name wins.")
    say(*lines, more="the other phrasings that rank out of place")


def kin(first, kind_of, similarity=None) -> None:
    """05: how many words with kin in the vocabulary have a nearest word of their own kind (``first``: each word's
    nearest other word; ``kind_of``: word → kind); with ``similarity`` (the word-by-word cosines), the words that sit
    nearer another kind than their own on average, which the heatmap shows as bright cells between kinds."""
    with_kin = first[first["query"].isin(kind_of)]
    other_kind = [(r.query, r.neighbour) for r in with_kin.itertuples() if kind_of[r.query] != kind_of.get(r.neighbour)]
    astray = []   # (word, its kind's mean, the other kind, that kind's mean)
    for word, kind in (kind_of.items() if similarity is not None else ()):
        means = {k: similarity.loc[word, [w for w, k_ in kind_of.items() if k_ == k and w != word]].mean()
                 for k in set(kind_of.values())}
        other = max((k for k in means if k != kind), key=means.get)
        if means[other] > means[kind] - COIN_TOSS:   # within a hundredth: as near the other kind as its own
            astray.append((word, kind, means[kind], other, means[other]))
    say(f"{len(with_kin) - len(other_kind)} of the {len(with_kin)} words with kin here have a nearest neighbour of the "
          "same kind"
          + (f"; {len(other_kind)} do not: {', '.join(f'{q} → {n}' for q, n in other_kind)} (the dashed arrows)"
             if other_kind else "") + ".",
          "A CLIP that read the web usually puts a word's kin first; these show what this model did not." if other_kind
          else "",
          "The heatmap's bright cells between kinds, on average over each kind's words: " + "; ".join(
              f"'{w}' sits {'nearer the' if om - km >= COIN_TOSS else 'as near the'} {o}s ({om:.2f}) "
              f"{'than' if om - km >= COIN_TOSS else 'as'} its own kind, the {k}s ({km:.2f})" for w, k, km, o, om in astray)
          + ". A CLIP that read the web keeps a word nearer its own kind." if astray else "",
          more="the words nearer another kind than their own")


def hubs(neighbours, hub_words, centres, model, between=None) -> None:
    """05: the words among the 2 nearest of many others. ``hub_words``: those near more words of other kinds than of
    their own (word → how many); ``centres``: those near mostly their own kin; ``between``: those near as many of
    each."""
    def fans(w):
        return ", ".join(neighbours.loc[neighbours["neighbour"] == w, "query"])

    if hub_words:
        listed = ", ".join(f"'{w}' (near {n}: {fans(w)})" for w, n in hub_words.items())
        lines = [f"{listed} {'comes' if len(hub_words) == 1 else 'come'} up far more often than the other words, near "
                 f"more words of other kinds than of {'its' if len(hub_words) == 1 else 'their'} own: "
                 f"{'a hub' if len(hub_words) == 1 else 'hubs'}, near many words without sharing their meaning, so being "
                 f"near {'it' if len(hub_words) == 1 else 'one'} says little.   [model: {model.name}]",
                 "A word is among the 2 nearest of 2 others on average. In many dimensions a few points end up near "
                 "many others without sharing their meaning: this is called hubness."]
    else:
        lines = ["No word is among the nearest of 4 or more words, most of them of other kinds: no hubs here."
                 f"   [model: {model.name}]", "A word is among the 2 nearest of 2 others on average."]
    if centres:
        lines.append(f"{', '.join(repr(w) for w in centres)} {'is' if len(centres) == 1 else 'are'} near many words "
                     "too, but mostly their own kin: centres of their kind, which is meaning, not hubness.")
    if between:
        lines.append(f"{', '.join(f'{w!r} ({fans(w)})' for w in between)} {'is' if len(between) == 1 else 'are'} near "
                     f"as many of {'its' if len(between) == 1 else 'their'} own kind as of others: between the two.")
    if hub_words or centres or between:
        lines.append("(With 24 words, 4 or 5 can happen by chance: read these as hints.)")
    say(*lines, more="what a hub is, and the words near many")


def odd_strings(nearest_word, cat_like, meant, hub_words, unknown, model) -> None:
    """05: where odd strings land among the words (``nearest_word``: each string's nearest word, cosine and margin
    over the second). ``cat_like``: the strings a reader takes for a cat; ``meant``: those that are real words or a
    real sign; ``unknown``: those the text side sees as [UNK] only."""
    lines = []
    read = nearest_word[nearest_word["string"].isin(cat_like)]
    right = read[read["neighbour"].isin(CAT_WORDS)]
    # a close second word matters only where it is of another kind: "feline" nearest "cat", then "kitten", is read
    unsure = right[~right["2nd word"].isin(CAT_WORDS)] if "2nd word" in right else right
    toss = unsure[unsure["margin over 2nd"] < COIN_TOSS]   # below it the first and second word swap easily
    if len(toss):
        lines.append(f"{', '.join(toss['string'])} land{'s' if len(toss) == 1 else ''} on a cat word by less than 0.01 "
                     "over a second word that is no cat: a coin toss, not a reading; count the others.")
    nonsense = nearest_word[nearest_word["string"].isin(["3hlufakjsdnfa3fnaj;ld", "asdfgh", "xyzzy"])
                            & nearest_word["neighbour"].isin(CAT_WORDS)]
    if len(nonsense):
        lines.append(f"nonsense lands on a cat word too ({', '.join(nonsense['string'])}): with four cat words (cat, "
                     "kitten, tiger, lion) among the vocabulary, a string that means nothing can land on one by chance.")
    weak = unsure[unsure["margin over 2nd"].between(0.01, 0.03)]   # a few hundredths: a weak reading at best
    kin = right[right["margin over 2nd"].lt(0.03) & right["2nd word"].isin(CAT_WORDS)] if "2nd word" in right else right[:0]
    lines.insert(0, f"{len(right)} of the {len(read)} cat-like strings land nearest a cat word"
                 + (f"; the others: {', '.join(f'{s} → {n}' for s, n in zip(read['string'], read['neighbour']) if n not in CAT_WORDS)}"
                    if len(right) < len(read) else "")
                 + f" (the median margin over the second word, over all {len(nearest_word)} strings: "
                   f"{nearest_word['margin over 2nd'].median():.3f}).   "
                   f"[model: {model.name}]")
    if len(weak):
        one = len(weak) == 1
        lines.append(f"{', '.join(weak['string'])} win{'s' if one else ''} by under 0.03 over a word that is no cat: "
                     f"{'a weak reading' if one else 'weak readings'}.")
    if len(kin):
        lines.append(", ".join(f"{s} wins by {m:.3f} over {w!r}" for s, m, w in
                               zip(kin["string"], kin["margin over 2nd"], kin["2nd word"]))
                     + ": a small lead, but over another cat word, so still a cat reading.")
    if unknown:
        one = len(unknown) == 1
        lines.append(f"{', '.join(unknown)} reach{'es' if one else ''} this model's text side as [UNK], the one token "
                     "it has for whatever its vocabulary cannot spell: it never sees the sign, so where "
                     f"{'it lands' if one else 'they land'} says nothing about reading {'it' if one else 'them'}.")
    landing = nearest_word["neighbour"].value_counts()
    if landing.iloc[0] >= 4:
        word = landing.index[0]
        there = list(nearest_word.loc[nearest_word["neighbour"] == word, "string"])
        meaning = [s for s in there if s in meant and s not in (unknown or ())]   # an [UNK] sign is not read at all
        lines.append(f"{landing.iloc[0]} of the {len(nearest_word)} strings land nearest {word!r} ({', '.join(there)}). "
                     + (f"Section 2 found {word!r} a hub among the words too. " if word in hub_words else
                        "It is not a hub among the words of section 2, but it is one for these strings. ")
                     + "Strings that mean little land on whatever word sits nearest them all, so landing there is no "
                       "reading of them"
                     + (f". Yet {', '.join(meaning)} {'does' if len(meaning) == 1 else 'do'} mean something, and "
                        f"land{'s' if len(meaning) == 1 else ''} there too: this model does not read "
                        + ("it" if len(meaning) == 1 else "them") if meaning else "") + ".")
        margins = nearest_word.set_index("string")["margin over 2nd"]
        sure = [s for s in meaning if margins[s] >= 2 * margins.median()]   # at least twice the median margin
        if sure:
            lines.append(f"{' and '.join(f'{s} (by {margins[s]:.3f})' for s in sure)} land{'s' if len(sure) == 1 else ''} "
                         f"on {word!r} by at least twice the median margin ({margins.median():.3f}) over the second "
                         "word: not a coin toss but a confident misreading, which a margin alone cannot tell from a "
                         "right one.")
    say(*lines, more="how sure each reading is, and where the others land")



def sign_blocks(block_means, model) -> None:
    """05: whether each same-kind pair of signs (text–text, image–image) is more similar than text–image, as in real
    CLIP models (``block_means``: the mean cosine of each block)."""
    across = block_means["text–image"]
    same = {kind: block_means[f"{kind}–{kind}"] for kind in ("text", "image")}
    if min(same.values()) > across:
        say(f"{model.name}, for these four signs (each same-kind block is a single pair): like real CLIP models, both "
              "same-kind pairs are more similar than text–image.")
        return
    said = [f"the {kind} pair ({value:.3f}) is {'more' if value > across else 'no more'} similar than text–image "
            f"({across:.3f})" for kind, value in same.items()]
    say(f"{model.name}, for these four signs: {'; '.join(said)}.",
          "Each same-kind block is a single pair, and one pair says as much about its two signs' meanings (a plain "
          "phrase against a meme) as about text against image. Over many pairs, real CLIP models put text–text and "
          "image–image pairs nearer than text–image ones: notebook 01 measures that gap over the whole corpus.",
          more="why one pair says little")


def word_pairs(similarity, model, n: int = 4) -> None:
    """05: what to look for in a word-by-word cosine map: its ``n`` nearest pairs and its furthest."""
    import numpy as np
    import pandas as pd

    rows, columns = np.triu_indices(len(similarity), 1)   # each pair once, no word with itself
    upper = pd.Series(similarity.to_numpy()[rows, columns],
                      index=pd.MultiIndex.from_arrays([similarity.index[rows], similarity.columns[columns]])).sort_values()
    pairs = lambda rows: ", ".join(f"{a}–{b} {value:.2f}" for (a, b), value in rows.items())  # noqa: E731
    say(f"the nearest pairs: {pairs(upper.iloc[::-1][:n])}; the furthest: {pairs(upper.iloc[:2])} (the median pair "
          f"{upper.median():.2f}).   [model: {model.name}]",
          "Look for bright blocks where words of one kind sit together, for kinds that form none, and for bright cells "
          "between kinds: the next section asks which word each word sits nearest.", more="what to look for")


def probability(value: float) -> str:
    """A probability to four places, never a rounded 0 or 1: "> 0.9999", "< 0.0001". A softmax never gives exactly 0
    or 1, so a float that reads so was rounded on the way (``float64(1.0)`` at a large scale) and is shown the same."""
    return "< 0.0001" if value < 1e-4 else "> 0.9999" if value > 0.9999 else f"{value:.4f}"


def burgers(with_burger, without, with_dog, without_dog) -> None:
    """03: what removing labels does to P("a cat"): the burgers (``with_burger`` → ``without``), then "a dog"
    (``with_dog`` → ``without_dog``)."""
    if without - with_burger >= 0.01:
        return
    say("Removing the burgers barely moves it: they held almost no probability.",
          (f"Removing a strong competitor does: without 'a dog' (the table above) P('a cat') is "
             f"{probability(without_dog)}, against {probability(with_dog)} with it." if without_dog - with_dog >= 0.01 else
             f"Removing 'a dog' moves it only from {probability(with_dog)} to {probability(without_dog)}, since it was "
             f"near 1 already; but what the other labels share falls from {probability(1 - with_dog)} to "
             f"{probability(1 - without_dog)}. This model is so sure of 'a cat' that the labels' shares show only in "
             "the small numbers: a softmax shows them plainly when the scores are close."), more="and without 'a dog'")
