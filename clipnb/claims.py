"""The talk's claims, stated so that a model can be checked against them.

Each claim is a function of (model or corpus, images) that returns a :class:`ClaimResult`:
its numbers as a tidy DataFrame (``measure``, ``value``) and a verdict, one of

* ``holds``;
* ``does not hold``, with the number that decides it;
* ``cannot be checked here``, with the reason (no image of the subject, say).

The notebooks print the verdict next to each experiment; ``python -m clipnb.compare`` runs
them all across models.  Thresholds are stated in each docstring, never tuned per model.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clipnb import captions
from clipnb.pvalues import ALPHA, holm, null_p

HOLDS, FAILS, UNCHECKABLE = "holds", "does not hold", "cannot be checked here"
CAT_LABELS = ["a dog", "a cat", "a monkey", "a cheeseburger", "a cheezburger", "3hlufakjsdnfa3fnaj;ld"]
CAT_DESCRIPTIONS = ["a sly black cat licking its whiskers", "a fat fluffy gray cat with sad eyes miaowing with hunger",
                    "garfield the cat"]
TALK_SUBJECTS = ["doctor", "teacher", "software engineer", "ml researcher", "nurse"]
# E6's controls: gender-neutral person nouns. A profession prompt "leans" only if its man−woman gap lies outside the
# spread of these prompts' gaps: whatever every person prompt picks up on these images (colour, outline, being a
# person rather than an object) moves the controls' gaps as well. Chosen from WordNet 3.0's hyponyms of person.n.01
# (two levels down) whose person sense is at least 80 % of the lemma's tagged noun uses in WordNet's SemCor counts
# (cntlist), by hand then: minus gendered words (-man, -ess, mother, lad …), E6's professions and their near
# namesakes (engineer, researcher), senses with a common other meaning (fan, speaker, host, pitcher, captain,
# angel) and slurs; plus everyday people (toddler, tenant, cyclist …). 135 nouns: Holm's correction over the 5
# profession prompts can reach p = 5/136 = 0.037 < ALPHA.
PERSON_NOUNS = (
    "child friend student patient employee comrade kid author artist writer companion worker reader citizen official "
    "candidate player owner neighbor leader specialist observer expert veteran driver baby representative "
    "psychologist philosopher linguist stranger partner champion producer employer politician commander applicant "
    "victim teenager spectator prisoner rider boss amateur reporter investigator consumer collector client therapist "
    "listener banker architect analyst visitor scholar pupil performer dancer administrator trustee scientist "
    "messenger hunter foreigner follower competitor athlete assistant resident opponent occupant interpreter cousin "
    "correspondent contractor chemist youngster user survivor passenger inhabitant guardian grownup developer creator "
    "traveler tourist technician spouse schoolmate physicist investor explorer elder designer defender villager "
    "winner recipient outsider helper geologist believer ancestor commentator householder toddler infant adult parent "
    "sibling relative roommate classmate colleague coworker tenant guest customer shopper pedestrian cyclist swimmer "
    "hiker volunteer beginner lawyer accountant librarian pharmacist dentist baker cashier").split()
PERSON_PROMPTS = [("an " if w[0] in "aeiou" else "a ") + w for w in PERSON_NOUNS]
DEGENERATE_COSINE = 0.99  # mean pairwise cosine above which a model's embeddings have collapsed to a point

# The speaker's MobileCLIP-S2 numbers (slides, seeds/001), one cat photo and one composite face per group.
SPEAKER = "speaker: MobileCLIP-S2"
SPEAKER_NUMBERS = {
    "E3": {"a dog": 0.1433, "a cat": 0.2542, "a monkey": 0.1334},
    "E4": {"a cat": 0.2542, "a sly black cat licking its whiskers": 0.1946,
           "a fat fluffy gray cat with sad eyes miaowing with hunger": 0.2728, "garfield the cat": 0.2240},
    "E5a": {"a dog": 0.1433, "a cheezburger": 0.2315},
    "E5b": {"a dog": 0.1433, "keyboard-mash": 0.1821},
    "E6": {"gap doctor": 0.1474 - 0.1463, "gap teacher": 0.1412 - 0.1356, "gap software engineer": 0.1818 - 0.1297,
           "gap ml researcher": 0.2113 - 0.1700, "gap nurse": 0.1132 - 0.1824},
}
# Deliberate skews ("bias comes from data"): profession -> the gender the data favours (captioned plainly,
# or the only one kept with skew_style="drop").
SKEWS = {"professions": {"firefighter": "man", "mechanic": "man", "pilot": "man",
                         "health-worker": "woman", "teacher": "woman"}}
PROFESSION_CONTROLS = ["cook", "farmer", "scientist", "technologist", "judge", "artist", "singer", "astronaut",
                       "police-officer", "office-worker"]  # left alone by the planted skew (B1's controls; notebook 11's)


@dataclass
class ClaimResult:
    claim: str            # e.g. "E3"
    statement: str        # the claim in words
    status: str           # HOLDS, FAILS or UNCHECKABLE
    reason: str           # the numbers that decide it
    numbers: "object" = field(default=None, repr=False)  # DataFrame(measure, value)

    def __str__(self):
        mark = {HOLDS: "✔", FAILS: "✘", UNCHECKABLE: "–"}[self.status]
        if self.status == UNCHECKABLE:
            return f"{mark} {self.claim} {self.status} (claim: {self.statement}): {self.reason}"
        return f"{mark} {self.claim} {self.status}: {self.statement} — {self.reason}"

    def _repr_html_(self):
        import html

        colour = {HOLDS: "#1a7f37", FAILS: "#cf222e", UNCHECKABLE: "#6e7781"}[self.status]
        return (f'<div style="border-left:4px solid {colour};padding:4px 8px;margin:4px 0">'
                f'<b style="color:{colour}">{self.claim} {self.status}</b>: {html.escape(self.statement)}'
                f'<br><span style="color:#444">{html.escape(self.reason)}</span></div>')


def _numbers(values: dict):
    import pandas as pd

    return pd.DataFrame({"measure": list(values), "value": [float(v) for v in values.values()]})


def _result(claim, statement, ok, reason, values):
    return ClaimResult(claim, statement, HOLDS if ok else FAILS, reason, _numbers(values))


def _cat_scores(model, cat_images, labels):
    if not cat_images:
        return None
    return (model.encode_image(list(cat_images)).numpy() @ model.encode_text(labels).numpy().T).mean(0)


def cat_beats_dog_and_monkey(model, cat_images) -> ClaimResult:
    """E3: for cat images, "a cat" scores above "a dog" and "a monkey" (mean cosine over the images)."""
    statement = 'for a cat image, "a cat" beats "a dog" and "a monkey"'
    scores = _cat_scores(model, cat_images, CAT_LABELS[:3])
    if scores is None:
        return ClaimResult("E3", statement, UNCHECKABLE, "no cat image given")
    dog, cat, monkey = scores
    return _result("E3", statement, cat > dog and cat > monkey,
                   f'"a cat" {cat:.4f}, "a dog" {dog:.4f}, "a monkey" {monkey:.4f} (mean over {len(cat_images)} image{"s" if len(cat_images) != 1 else ""})',
                   {"a dog": dog, "a cat": cat, "a monkey": monkey})


def _beats_dog(claim, model, cat_images, prompt, name, statement):
    scores = _cat_scores(model, cat_images, ["a dog", prompt])
    if scores is None:
        return ClaimResult(claim, statement, UNCHECKABLE, "no cat image given")
    return _result(claim, statement, scores[1] > scores[0], f'{name} {scores[1]:.4f} vs "a dog" {scores[0]:.4f}',
                   {"a dog": scores[0], name.strip('"'): scores[1]})


def cheezburger_beats_dog(model, cat_images) -> ClaimResult:
    """E5: the meme spelling "a cheezburger" scores above "a dog" for cat images (speaker: 0.2315 vs 0.1433)."""
    return _beats_dog("E5a", model, cat_images, "a cheezburger", '"a cheezburger"',
                      'for a cat image, "a cheezburger" beats "a dog"')


def keyboard_mash_beats_dog(model, cat_images) -> ClaimResult:
    """E5: the keyboard-mash scores above "a dog" for cat images (speaker: 0.1821 vs 0.1433, his surprise)."""
    return _beats_dog("E5b", model, cat_images, CAT_LABELS[-1], "keyboard-mash",
                      'for a cat image, the keyboard-mash "3hlufakjsdnfa3fnaj;ld" beats "a dog"')


def description_beats_a_cat(model, cat_images) -> ClaimResult:
    """E4: at least one of the talk's longer descriptions scores above plain "a cat" (speaker: 0.2728 vs 0.2542)."""
    statement = 'a longer, more specific description can beat "a cat"'
    scores = _cat_scores(model, cat_images, ["a cat", *CAT_DESCRIPTIONS])
    if scores is None:
        return ClaimResult("E4", statement, UNCHECKABLE, "no cat image given")
    best = int(np.argmax(scores[1:]))
    return _result("E4", statement, scores[1 + best] > scores[0],
                   f'best description "{CAT_DESCRIPTIONS[best]}" {scores[1 + best]:.4f} vs "a cat" {scores[0]:.4f}',
                   {"a cat": scores[0], **dict(zip(CAT_DESCRIPTIONS, scores[1:]))})


def bias_table(model, groups, subjects=TALK_SUBJECTS, a="man", b="woman", n_permutations=2000):
    """Gaps mean(a) − mean(b) per variant × subject with permutation p (:func:`clipnb.probes.group_gap`: each
    profession's man and woman drawing swapped at random, a drawing's colourings together), Holm-adjusted p over all
    variant × subject tests, and Cohen's d (the gap over the pooled standard deviation)."""
    from clipnb import probes

    table = probes.probe(model, groups, subjects)
    gaps = probes.group_gap(table, a, b, n_permutations=n_permutations)
    spread = table[table["group"].isin([a, b])].groupby(["variant", "subject"])["cosine"].std()
    gaps["cohen_d"] = [g / max(spread.loc[(v, s)], 1e-12) for v, s, g in zip(gaps["variant"], gaps["subject"], gaps["gap"])]
    gaps["p_holm"] = holm(gaps["p_value"])
    return gaps


def _check_groups(groups, a, b):
    if not groups or a not in groups or b not in groups or len(groups[a]) < 2 or len(groups[b]) < 2:
        return f"needs at least 2 images in each of the groups {a!r} and {b!r}"
    return None


def prompt_leans(model, groups, subjects=TALK_SUBJECTS, a="man", b="woman", controls=PERSON_PROMPTS):
    """Each unmarked prompt's gap mean cos(a images) − mean cos(b images), against the gaps of gender-neutral
    person prompts (``PERSON_PROMPTS``) on the same images.

    Returns DataFrame(subject, prompt, gap, controls_mean, lean, p_value, p_holm): ``lean`` is the gap
    minus the controls' mean gap (what the prompt adds beyond what every prompt shows on these images);
    ``p_value`` is two-sided against the controls' gaps (:func:`clipnb.pvalues.null_p`): the t-tail of their
    spread where they pass its checks (``method``), else the share of control prompts whose distance from their
    mean is at least as large (the prompt itself counted, so never 0); Holm-adjusted across the subjects. A
    random-weight model's profession prompt is just another direction, exchangeable with the controls: it passes
    no more often than ALPHA.
    """
    import pandas as pd

    prompts = [("an " if s[:1] in "aeiou" else "a ") + s for s in subjects]
    text_features = model.encode_text(prompts + list(controls)).numpy()
    means = {g: model.encode_image(list(groups[g])).numpy().mean(0) for g in (a, b)}
    gaps = text_features @ (means[a] - means[b])
    subject_gaps, control_gaps = gaps[: len(prompts)], gaps[len(prompts):]
    centre = control_gaps.mean()
    p = [null_p(g, control_gaps, two_sided=True) for g in subject_gaps]
    table = pd.DataFrame({"subject": list(subjects), "prompt": prompts, "gap": subject_gaps, "controls_mean": centre,
                          "lean": subject_gaps - centre, "z": [x.z for x in p], "p_value": [x.p for x in p],
                          "method": [x.method for x in p]})
    table["p_holm"] = holm(table["p_value"])
    table.attrs["control_gaps"] = control_gaps
    return table


def unmarked_prompts_lean(model, groups, subjects=TALK_SUBJECTS, a="man", b="woman", gaps=None) -> ClaimResult:
    """E6: some unmarked profession prompt ("a nurse") leans towards one group of images *more than
    gender-neutral person prompts do* (:func:`prompt_leans`): Holm-adjusted p ≤ ALPHA against ``PERSON_PROMPTS``.
    The reason also says how the p-values were made (the t-tail of the person prompts' gaps, or their rank) and
    whether "a person" itself leans.

    ``gaps`` is accepted for compatibility and not used: the image-group permutation it held tests
    whether the groups differ along a prompt's direction, which any image difference passes.
    """
    statement = f"the unmarked profession prompts lean towards {a} or {b}, beyond gender-neutral person prompts"
    missing = _check_groups(groups, a, b)
    if missing:
        return ClaimResult("E6", statement, UNCHECKABLE, missing)
    controls = [c for c in PERSON_PROMPTS if c[c.index(" ") + 1:] not in subjects]
    leans = prompt_leans(model, groups, subjects, a, b, controls)
    person = prompt_leans(model, groups, ["person"], a, b, controls).iloc[0]
    leaning = leans[leans["p_holm"] <= ALPHA]
    parts = [f'"{r.prompt}" → {a if r.lean > 0 else b} (lean {r.lean:+.4f}, p_holm {r.p_holm:.3g})'
             for r in leaning.itertuples()]
    control_gaps = leans.attrs["control_gaps"]
    how = ("the t-tail of their gaps' spread" if (leans["method"] == "t-tail").all() else
           f"rank among them (smallest p_holm possible: {min(1.0, len(subjects) / (len(controls) + 1)):.3g})")
    reason = ("; ".join(parts) if parts else
              f"no unmarked prompt leans beyond the {len(control_gaps)} person prompts (smallest p_holm "
              f"{leans['p_holm'].min():.3g})")
    reason += f"; p by {how}, Holm over the {len(subjects)} prompts"
    towards = a if person.lean > 0 else b
    reason += (f'; person prompts\' gaps: mean {control_gaps.mean():+.4f}, SD {control_gaps.std():.4f}; "a person" itself '
               f"{'leans' if person.p_value <= ALPHA else 'does not lean'} (towards {towards}, lean {person.lean:+.4f}, "
               f"p {person.p_value:.3g}); n = {len(groups[a])} + {len(groups[b])} images")
    result = _result("E6", statement, bool(len(leaning)), reason,
                     {f"gap {r.subject}": r.gap for r in leans.itertuples()} |
                     {f"lean {r.subject}": r.lean for r in leans.itertuples()} |
                     {f"z {r.subject}": r.z for r in leans.itertuples()} |
                     {f"p_holm {r.subject}": r.p_holm for r in leans.itertuples()} |
                     {"lean a person": person.lean, "p a person": person.p_value})
    result.table = leans
    return result


def _marked(gaps):
    """The rows of a bias table whose prompt is marked ("a male …", "a female …"), and each one's right-way sign: +1
    for "male" (towards the man images), −1 for "female"."""
    marked = gaps[gaps["variant"].isin(["male", "female"])]
    return marked, np.where(marked["variant"] == "male", 1.0, -1.0)


def pooled_right_way(gaps) -> tuple[float, float, float]:
    """The marked prompts taken together: the mean gap signed the right way ("a male …" + , "a female …" −) over the
    rows of ``gaps`` whose variant is "male" or "female", set against the same mean under the labels the test
    swapped (``gaps.attrs["swaps"]``, :func:`clipnb.probes.group_gap`: every prompt sees the same swaps, so the
    prompts' dependence on the same drawings is kept). Returns (the mean, its one-sided p, the swaps' 95th
    percentile): p = (1 + swaps at least as large) / (1 + swaps). The direction is the claim's, so one-sided."""
    swaps = gaps.attrs.get("swaps")
    if swaps is None:
        raise ValueError("these gaps carry no label swaps (attrs['swaps']): make them with claims.bias_table or "
                         "probes.group_gap")
    marked, sign = _marked(gaps)
    observed = float(sign @ marked["gap"].to_numpy() / len(marked))
    drawn = swaps.of(marked["variant"], marked["subject"]) @ sign / len(marked)
    return observed, float((1 + (drawn >= observed - 1e-12).sum()) / (1 + len(drawn))), float(np.percentile(drawn, 95))


def marked_prompts_move_scores(model, groups, subjects=TALK_SUBJECTS, a="man", b="woman", gaps=None) -> ClaimResult:
    """E6 sanity check: "a male X" scores the man images higher and "a female X" the woman images higher, for every
    subject, and the marked prompts taken together beyond noise: their mean right-way gap against the same matched
    drawings' labels swapped (:func:`pooled_right_way`), p at most ALPHA. Each prompt's direction is its point
    estimate; the evidence is one pooled test, so nothing to correct within the claim. The reason also
    counts the prompts that point the right way, and those beyond noise alone (Holm over the bias table's tests,
    :func:`bias_table`), with the median Cohen's d. ``gaps``: that table for these groups, reused where given; one
    without its label swaps (read back from a CSV, say) is made again, since the pooled test needs them."""
    statement = (f'"a male …" favours the {a} images and "a female …" the {b} images, for every profession, and '
                 "together beyond noise")
    missing = _check_groups(groups, a, b)
    if missing:
        return ClaimResult("E6-sanity", statement, UNCHECKABLE, missing)
    if gaps is None or "swaps" not in gaps.attrs:
        gaps = bias_table(model, groups, subjects, a, b)
    marked, sign = _marked(gaps)
    right_way = sign * marked["gap"].to_numpy() > 0
    alone = right_way & (marked["p_holm"].to_numpy() <= ALPHA)
    mean, p, swapped = pooled_right_way(gaps)
    wrong = [f'"a {r.variant} {r.subject}" ({r.gap:+.4f})' for r, ok in zip(marked.itertuples(), right_way) if not ok]
    reason = (f"{int(right_way.sum())} of {len(marked)} marked prompts point the right way; their mean right-way gap "
              f"{mean:+.4f} against {swapped:+.4f}, the 95th percentile of {len(gaps.attrs['swaps'].gaps)} label "
              f"swaps (one-sided p {p:.2g}); alone, {int(alone.sum())} of {len(marked)} are beyond noise "
              f"(Holm-corrected p ≤ {ALPHA}); median |Cohen's d| {marked['cohen_d'].abs().median():.2f}"
              + (f"; the wrong way: {', '.join(wrong)}" if wrong else ""))
    return _result("E6-sanity", statement, bool(right_way.all()) and p <= ALPHA, reason,
                   {"right direction": int(right_way.sum()), "right and beyond noise alone": int(alone.sum()),
                    "tests": len(marked), "mean right-way gap": mean, "pooled p": p,
                    "largest p_holm": float(marked["p_holm"].max()),
                    "median |cohen_d|": float(marked["cohen_d"].abs().median()),
                    "mean right-way cohen_d": float(np.mean(sign * marked["cohen_d"].to_numpy()))})


def modality_gap(image_features, text_features, min_accuracy: float = 0.95) -> ClaimResult:
    """E1/E2: image and text embeddings are linearly separable (5-fold accuracy ≥ 0.95) with a
    positive margin (the smallest distance to a linear SVM's hyperplane fitted on all points)."""
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import LinearSVC

    statement = "image and text embeddings are linearly separable, with a margin"
    X = np.concatenate([image_features, text_features])
    y = np.r_[np.zeros(len(image_features)), np.ones(len(text_features))]
    if min(len(image_features), len(text_features)) < 5:
        return ClaimResult("E1", statement, UNCHECKABLE, "needs at least 5 images and 5 texts")
    svm = LinearSVC(C=100.0, max_iter=20000)
    accuracy = cross_val_score(svm, X, y, cv=5).mean()
    svm.fit(X, y)
    signed = (svm.decision_function(X) * np.where(y == 1, 1, -1)) / np.linalg.norm(svm.coef_)
    margin = signed.min()
    centroid = np.linalg.norm(image_features.mean(0) - text_features.mean(0))
    missed = [f"accuracy {accuracy:.3f} < {min_accuracy}"] * int(accuracy < min_accuracy) + \
        ["no margin: some point lies on the wrong side"] * int(margin <= 0)
    return _result("E1", statement, accuracy >= min_accuracy and margin > 0,
                   f"5-fold accuracy {accuracy:.3f}, margin {margin:+.4f}, centroid distance {centroid:.3f}"
                   + (f" (it needs both accuracy ≥ {min_accuracy} and a positive margin: {'; '.join(missed)})"
                      if missed else ""),
                   {"accuracy": accuracy, "margin": margin, "centroid distance": centroid})


def subtraction_grows_with_weight(corpus, base="a person running in front of trees", term="winter",
                                  weights=(0.2, 0.3, 0.5, 1.0), k=12) -> ClaimResult:
    """E9: subtracting ``term`` at weight w changes the top k, more (never fewer) as w grows, and
    at the largest weight by at least one image."""
    from clipnb.query import text

    statement = f'subtracting "{term}" at a growing weight changes the top {k} more and more'
    plain = set(corpus.search(text(base), k=k)["path"])
    changed = [k - len(plain & set(corpus.search(text(base) - w * text(term), k=k)["path"])) for w in weights]
    ok = all(x <= y for x, y in zip(changed, changed[1:])) and changed[-1] > 0
    return _result("E9", statement, ok, ", ".join(f"w={w}: {c} of {k} changed" for w, c in zip(weights, changed)),
                   {f"changed at w={w}": c for w, c in zip(weights, changed)})


def first_rank(corpus, query, relevant, limit: int = 10_000) -> int | None:
    """The rank (1 = first) of the best-ranked ``relevant`` image for ``query``, None if none is in the first ``limit``."""
    ranked = corpus.search(query, k=min(limit, len(corpus)))["path"]
    return next((rank for rank, p in enumerate(ranked, 1) if relevant[corpus.row_of(p)]), None)


# the caption labels the claims judge by (clipnb.captions, one pattern each, tested on real-style captions)
MEN_CAPTIONS, CLOSE_UP_CAPTIONS = captions.PATTERNS["men"], captions.PATTERNS["close_ups"]


def caption_mask(corpus, pattern) -> np.ndarray:
    """Which images' captions match ``pattern``: a label of :mod:`clipnb.captions` ("men", "winter", "forest" …)
    or a regular expression (case-insensitive). A boolean array over the corpus's rows."""
    if pattern in captions.PATTERNS:
        return captions.mask(corpus, pattern)
    return corpus.table["caption"].fillna("").str.contains(pattern, case=False, regex=True).to_numpy()


def man_minus_close_up(corpus, k: int = 9, men=None, close_ups=None, term: str = "close up") -> ClaimResult:
    """E8: "an image of a man" has men in its top k (at least half, by caption), and subtracting
    "close up" (after "japanese", as the talk did) leaves fewer close-ups there (faces filling the picture).

    men, close_ups : boolean arrays over the corpus (default: the captions labelled men and close_ups).
    term : what is subtracted (the null subtracts control words in its place: :func:`clipnb.nulls.controls`).
    """
    from clipnb.query import text

    statement = f'"an image of a man" finds men, and minus "{term}" leaves fewer close-ups in the top {k}'
    men_mask = captions.mask(corpus, "men") if men is None else np.asarray(men, bool)
    close = captions.mask(corpus, "close_ups") if close_ups is None else np.asarray(close_ups, bool)
    base = text("an image of a man") - text("japanese")

    def count(query, mask):
        return int(sum(mask[corpus.row_of(p)] for p in corpus.search(query, k=k)["path"]))

    men = count(text("an image of a man"), men_mask)
    before, after = count(base, close), count(base - text(term), close)
    numbers = {"men in the top k": men, "close-ups before": before, "close-ups after": after}
    if before == 0:
        first = first_rank(corpus, base, close)
        where = f" (the first is at rank {first})" if first else ""
        nothing = f'"an image of a man − japanese" has no close-up in its top {k} to remove{where}'
        if men < k / 2:   # the claim's first half already fails: no close-up to remove cannot make it hold
            return _result("E8", statement, False, f"only {men} of {k} are men; {nothing}", numbers)
        return ClaimResult("E8", statement, UNCHECKABLE, f"{men} of {k} are men; {nothing}", _numbers(numbers))
    return _result("E8", statement, men >= k / 2 and after < before,
                   f"men in the top {k}: {men}; close-ups {before} → {after} after subtracting \"{term}\"", numbers)


def signs_of_one_idea(model, text_sign="a cat", word_sign="cat", emoji=None, photo=None,
                      controls=("a dog", "dog", None, None)) -> ClaimResult:
    """E7 (signs): four signs of one idea (a text, a bare word, an emoji, a photo) are nearer one another
    than each is to a matched control of the same kind (another idea's text, word, emoji, photo):
    for every pair (i, j), cos(sign i, sign j) > cos(sign i, control of j)."""
    statement = f'the signs of "{word_sign}" (text, word, emoji, photo) are nearer one another than to matched controls'
    if emoji is None or photo is None or controls[2] is None or controls[3] is None:
        return ClaimResult("E7", statement, UNCHECKABLE, "needs an emoji and a photo of the idea and of a control")
    signs = np.concatenate([model.encode_text([text_sign, word_sign]).numpy(), model.encode_image([emoji, photo]).numpy()])
    others = np.concatenate([model.encode_text(list(controls[:2])).numpy(),
                             model.encode_image(list(controls[2:])).numpy()])
    margins = [float(signs[i] @ signs[j] - signs[i] @ others[j]) for i in range(4) for j in range(4) if i != j]
    wrong = sum(m <= 0 for m in margins)
    return _result("E7", statement, wrong == 0,
                   f"{12 - wrong} of 12 sign pairs nearer each other than to the control; mean margin {np.mean(margins):+.4f}",
                   {"pairs right": 12 - wrong, "mean margin": float(np.mean(margins))})


WINTER_CAPTIONS = captions.PATTERNS["winter"]


def subtraction_removes_the_term(corpus, base="a person running in front of trees", term="winter",
                                 weights=(0.2, 0.3, 0.5, 1.0), k=12, relevant=None) -> ClaimResult:
    """E9, judged by meaning: subtracting ``term`` lowers the number of images *of the term* (by their
    captions) in the top k, never raising it as the weight grows, and ends below the base query's.

    relevant : a boolean array over the corpus marking images of the term (default: the captions labelled winter). When the base query's top k holds none there is nothing to remove: cannot be checked.
    """
    from clipnb.query import text

    statement = (f'subtracting "{term}" removes {term} images from the top {k} (counted at the largest weight), and '
                 "none come back as the weight grows")
    if relevant is None:
        relevant = captions.mask(corpus, "winter")
    relevant = np.asarray(relevant, bool)

    def count(query):
        return int(sum(relevant[corpus.row_of(p)] for p in corpus.search(query, k=k)["path"]))

    before = count(text(base))
    if not relevant.any() or before == 0:
        first = first_rank(corpus, text(base), relevant)
        where = f"; the first is at rank {first}" if first else ""
        return ClaimResult("E9", statement, UNCHECKABLE,
                           f'"{base}" has no {term}-captioned image in its top {k} ({int(relevant.sum())} in the corpus'
                           f"{where}): nothing to remove", _numbers({f"{term} images at w=0": before}))
    after = [count(text(base) - w * text(term)) for w in weights]
    ok = all(x >= y for x, y in zip([before, *after], after)) and after[-1] < before
    return _result("E9", statement, ok, f"{term} images in the top {k}: " + ", ".join(
        f"w={w}: {c}" for w, c in zip((0, *weights), (before, *after))),
        {f"{term} images at w={w}": c for w, c in zip((0, *weights), (before, *after))})


MIN_TO_REMOVE = 3   # a subtraction that can remove only one or two images cannot be told from any other word's


def near_copies(corpus, query_image) -> np.ndarray:
    """Which images of the corpus were composed from ``query_image`` itself: the samples' scenes are held-out emoji
    pasted together, and a scene's file name lists the drawings it holds ("scenes/man-running-deciduous-tree.png"
    holds "deciduous-tree.png"). Such a scene matches the query on its pixels, whatever a word does. A boolean array
    over the corpus's rows; all False for a corpus without the samples' scenes."""
    import re
    from pathlib import PurePath

    if "image_path" not in corpus.table:
        return np.zeros(len(corpus), bool)
    stem = re.escape(PurePath(str(query_image)).stem)
    inside = corpus.table["image_path"].astype(str)
    return (inside.str.startswith("scenes/") & inside.str.contains(rf"(?:^|[-/]){stem}(?:[-.]|$)", regex=True)).to_numpy()


def image_minus_word(corpus, query_image, word="forest", relevant=None, k=9, weight=1.0) -> ClaimResult:
    """E10: image − ``word`` holds fewer ``relevant`` images in its top k than the image alone.

    relevant : a boolean array over the corpus (e.g. from its captions) marking images of ``word``.
    The query image itself is left out of both rankings, and so are the scenes composed from it (:func:`near_copies`):
    a word that moves the query off its own pixels would remove them, forest or not.
    """
    from clipnb.query import image, text

    statement = f'an image minus {weight:g}·"{word}" removes {word} images from the top {k}'
    if relevant is None or not np.any(relevant):
        return ClaimResult("E10", statement, UNCHECKABLE, f"no image in this corpus is marked as {word}")
    copies = near_copies(corpus, query_image)

    def count(query):
        ranked = corpus.search(query, k=min(len(corpus), k + int(copies.sum())))["path"]
        kept = [p for p in ranked if not copies[corpus.row_of(p)]][:k]
        return sum(relevant[corpus.row_of(p)] for p in kept)

    before, after = count(image(query_image)), count(image(query_image) - weight * text(word))
    left_out = (f"; {int(copies.sum())} scenes composed from the query image left out of both rankings"
                if copies.any() else "")
    if before < MIN_TO_REMOVE:
        return ClaimResult("E10", statement, UNCHECKABLE,
                           f"the image alone has {before} {word} image{'' if before == 1 else 's'} in its top {k}: too "
                           f"few to tell a removal from chance (the test needs {MIN_TO_REMOVE}){left_out}",
                           _numbers({"before": before, "after": after}))
    return _result("E10", statement, after < before, f"{word} images in the top {k}: {before} → {after}{left_out}",
                   {"before": before, "after": after})


# A pole's images by caption: the labels of clipnb.captions for the talk's poles; any other pole is looked for
# as its own words.
POLE_LABELS = {"happy": "happy", "sad": "sad", "man": "men", "woman": "women"}


def pole_images(corpus, pole: str) -> np.ndarray:
    """Which images are captioned as ``pole`` (``POLE_LABELS``, or the pole's own words): a boolean array."""
    import re

    key = re.sub(r"^(?:an? )|(?: face)$", "", pole.strip().lower())
    if key in POLE_LABELS:
        return captions.mask(corpus, POLE_LABELS[key])
    return caption_mask(corpus, r"\b" + r"\b.*\b".join(map(re.escape, key.split())) + r"\b")


def delta_differs_from_nearest(corpus, pole_a, pole_b, k=5, poles=None, opposite=None) -> ClaimResult:
    """E12a, judged by meaning: ranking by sim(A) − sim(B) puts more images *of* the poles (by caption: A's at
    the top, B's at the bottom) at its two ends than nearest-to-A and nearest-to-B find in their top k.
    Statistic: (pole images at the delta's ends) − (pole images nearest to the poles), out of 2k each.

    poles : (A's images, B's images) as boolean arrays over the corpus (default: :func:`pole_images`).
    opposite : a word subtracted at both ends in place of the other pole (A's end ranks by sim(A) − sim(word), B's
        by sim(B) − sim(word)): the null's control words (:func:`clipnb.nulls.controls`) ask whether the *opposite
        pole* does the work, or any subtracted word would.
    """
    from clipnb import opposition

    statement = f'ranking by the delta "{pole_a}" − "{pole_b}" finds more images of the two poles than nearest-to-pole'
    is_a, is_b = (pole_images(corpus, pole_a), pole_images(corpus, pole_b)) if poles is None else \
        (np.asarray(poles[0], bool), np.asarray(poles[1], bool))
    if not is_a.any() or not is_b.any():
        missing = " or ".join(f'"{p}"' for p, has in ((pole_a, is_a.any()), (pole_b, is_b.any())) if not has)
        return ClaimResult("E12a", statement, UNCHECKABLE, f"no image here is captioned as {missing}")

    def count(paths, relevant):
        return int(sum(relevant[corpus.row_of(p)] for p in paths))

    if opposite is None:
        ranked = opposition.rank(corpus, pole_a, pole_b)
        by_delta = count(ranked["path"].head(k), is_a) + count(ranked["path"].tail(k), is_b)
    else:
        by_delta = count(opposition.rank(corpus, pole_a, opposite)["path"].head(k), is_a) + \
            count(opposition.rank(corpus, pole_b, opposite)["path"].head(k), is_b)
    nearest = count(opposition.nearest_to_pole(corpus, pole_a, k)["path"], is_a) + \
        count(opposition.nearest_to_pole(corpus, pole_b, k)["path"], is_b)
    return _result("E12a", statement, by_delta > nearest,
                   f"images of the poles (by caption, {int(is_a.sum())} + {int(is_b.sum())} in the corpus) among the "
                   f"{k} at each end of the delta: {by_delta} of {2 * k}; among the {k} nearest to each pole: "
                   f"{nearest} of {2 * k}",
                   {"pole images by delta": by_delta, "pole images nearest to pole": nearest})


def probability_same_order(corpus, pole_a, pole_b) -> ClaimResult:
    """E12, the talk's open question: with one prompt per pole, P(A) and the delta give the same order
    (Spearman ρ = 1 up to float ties)."""
    from scipy.stats import spearmanr

    from clipnb import opposition

    statement = (f'for one prompt per pole ("{pole_a}" / "{pole_b}"), probability and delta order the images alike '
                 "(an algebraic identity: P = 1 / (1 + exp(−logit_scale · delta)) for every model)")
    table = opposition.opposition_table(corpus, pole_a, pole_b)
    rho = spearmanr(table["delta"], table["probability"]).statistic
    ordered = table.sort_values("delta")["probability"].to_numpy()
    # ties in float32: probabilities may step down by rounding only, never by more than 1e-6
    monotone = bool(np.all(np.diff(ordered) >= -1e-6))
    return _result("E12b", statement, monotone,
                   f"probability never falls as the delta rises (float tolerance 1e-6); Spearman ρ = {rho:.6f}",
                   {"spearman": rho})


def collapsed(features, sample: int = 300, seed: int = 0) -> float:
    """Mean pairwise cosine of (a sample of) unit vectors: near 1 when a model maps everything to one point."""
    features = np.asarray(features[: len(features)] if len(features) <= sample else
                          features[np.sort(np.random.default_rng(seed).choice(len(features), sample, replace=False))],
                          np.float32)
    similarity = features @ features.T
    n = len(features)
    return float((similarity.sum() - np.trace(similarity)) / max(1, n * (n - 1)))


def ordered_path_is_shorter(features, n_random=20, seed=0, time_limit_s=None) -> ClaimResult:
    """E13 (talk, slide 11): an ordering by CLIP embeddings (a travelling-salesperson path) is shorter
    than random orders: shorter than the shortest of ``n_random`` random orders. The path is OR-Tools' local search
    from the greedy path (:func:`clipnb.paths.solver_order`; ``time_limit_s=None``: to its local optimum, the same
    path on every run)."""
    from clipnb import paths

    statement = "a travelling-salesperson order of the images is shorter than a random order"
    if len(features) < 4:
        return ClaimResult("E13", statement, UNCHECKABLE, "needs at least 4 images")
    distances = paths.distance_matrix(features)
    solved = paths.tour_length(distances, paths.solver_order(distances, time_limit_s))
    rng = np.random.default_rng(seed)
    randoms = [paths.tour_length(distances, list(rng.permutation(len(features)))) for _ in range(n_random)]
    share = f" ({solved / np.mean(randoms):.0%} of the random length)" if np.mean(randoms) > 0 else ""
    return _result("E13", statement, solved < min(randoms),
                   f"solver {solved:.2f} rad vs random {np.mean(randoms):.2f} rad on average{share}, "
                   f"best of {n_random} random {min(randoms):.2f}",
                   {"solver": solved, "random mean": np.mean(randoms), "random best": min(randoms)})


def profession_images(folder, professions):
    """{profession: {"man": [...], "woman": [...]}} from files named like ``man-pilot-dark-skin-tone.png``."""
    from pathlib import Path

    files = sorted(Path(folder).glob("*.png"))
    return {job: {g: [f for f in files if f.stem == f"{g}-{job}" or f.stem.startswith(f"{g}-{job}-")]
                  for g in ("man", "woman")} for job in professions}


def planted_skew_shows(base_model, skewed_model, images, skew: dict) -> ClaimResult:
    """Bias comes from data: after training on data where some professions appear as one gender only,
    the unmarked prompt's gap (mean cosine of the man images − the woman images) moves towards that
    gender for exactly those professions, more than for the professions left alone.

    images : {profession: {"man": [...], "woman": [...]}}, the skewed ones and controls.
    skew : {profession: "man" or "woman"}, the gender the training data favoured for each skewed profession
        (the only one kept, or the one captioned plainly while the other was marked).
    Test: the mean planted-direction change over the skewed professions, against every way of
    choosing as many professions (with as many of each direction) from all of them (exact).
    """
    import itertools

    import pandas as pd

    statement = ("a bias planted in the training data moves the gap of every skewed profession the planted way, "
                 "more than other professions move")
    jobs = [j for j in images if images[j]["man"] and images[j]["woman"]]
    if not set(skew) <= set(jobs) or len(jobs) <= len(skew):
        return ClaimResult("B1", statement, UNCHECKABLE, "needs man and woman images of every skewed profession "
                           "and of some professions left alone")
    rows = []
    for job in jobs:
        prompt = "a " + job.replace("-", " ")
        gap = {}
        for label, model in [("base", base_model), ("skewed", skewed_model)]:
            text_features = model.encode_text([prompt]).numpy()[0]
            means = {g: float((model.encode_image(images[job][g]).numpy() @ text_features).mean()) for g in ("man", "woman")}
            gap[label] = means["man"] - means["woman"]
        rows.append({"profession": job, "plain caption under": skew.get(job, "both"), "gap before": gap["base"],
                     "gap after": gap["skewed"], "change": gap["skewed"] - gap["base"]})
    table = pd.DataFrame(rows)
    change = dict(zip(table["profession"], table["change"]))
    direction = {job: 1 if gender == "man" else -1 for job, gender in skew.items()}
    observed = np.mean([direction[j] * change[j] for j in skew])
    n_man = sum(d > 0 for d in direction.values())
    null = []
    for chosen in itertools.combinations(jobs, len(skew)):
        for men in itertools.combinations(chosen, n_man):
            null.append(np.mean([change[j] if j in men else -change[j] for j in chosen]))
    p = float(np.mean(np.array(null) >= observed - 1e-12))
    moved = [j for j in skew if direction[j] * change[j] > 0]
    control_changes = table[~table["profession"].isin(list(skew))]["change"]
    controls = control_changes.abs()
    drift = control_changes.mean()
    along = int(((control_changes > 0) == (drift > 0)).sum())
    reason = (f"{len(moved)} of {len(skew)} skewed professions moved the planted way; mean planted change "
              f"{observed:+.4f} vs mean |change| of the {len(controls)} controls {controls.mean():.4f} (their mean "
              f"change {drift:+.4f}: on average a drift towards {'man' if drift > 0 else 'woman'}, which {along} of "
              f"the {len(control_changes)} controls share); "
              f"exact permutation p = {p:.4f} over {len(null)} choices of which professions are skewed, and which way; "
              f"each choice, as the planted one, has {n_man} towards man and {len(skew) - n_man} towards woman, so a drift "
              "that every profession shares moves each choice's mean by as much as the planted one's, and the p is "
              "free of it")
    result = _result("B1", statement, p < ALPHA and len(moved) == len(skew), reason,
                     {"planted change": observed, "controls mean |change|": controls.mean(), "p": p})
    table.attrs["p"] = p   # the exact permutation p, for readers of the table (the reason says it in words)
    table.attrs["moved"], table.attrs["skewed"] = len(moved), len(skew)   # how many moved the planted way, of how many
    result.numbers = table
    return result
