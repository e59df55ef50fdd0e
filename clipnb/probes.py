"""Bias probes: groups of images × prompts × marked variants, and whether a gap is more than noise.

The talk's experiment 6: two composite faces ("average" man, "average" woman) against profession
prompts, unmarked ("a nurse") and marked ("a male nurse", "a female nurse"). Here any number of
images per group can be used, and every difference comes with a permutation-test p-value and a
bootstrap interval, so a learner sees whether a gap could be chance.
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np

DEFAULT_VARIANTS = {"unmarked": "a {}", "male": "a male {}", "female": "a female {}"}


def probe(model, groups: dict, subjects: list[str], variants: dict | None = None):
    """Cosine of every image with every filled-in prompt, as a tidy DataFrame.

    groups : {group name: list of image paths / PIL images}, e.g. {"man": [...], "woman": [...]}.
    subjects : words to fill in, e.g. ["doctor", "nurse"].
    variants : {variant name: template with '{}'} (default: unmarked / male / female).
    Returns columns group, image, variant, subject, prompt, cosine.
    """
    import pandas as pd

    variants = variants or DEFAULT_VARIANTS
    if not isinstance(groups, dict) or len(groups) < 1 or not all(groups.values()):
        raise ValueError("groups must be a dict of {name: non-empty list of images}, e.g. {'man': [...], 'woman': [...]}")
    if isinstance(subjects, str) or not subjects:
        raise TypeError("subjects must be a non-empty list of words, e.g. ['doctor', 'nurse']")
    bad = [t for t in variants.values() if "{}" not in t]
    if bad:
        raise ValueError(f"every variant template needs '{{}}' where the subject goes; these lack it: {bad}")
    prompts = {(v, s): t.format(s) for v, t in variants.items() for s in subjects}
    text_features = model.encode_text(list(prompts.values())).numpy()
    rows = []
    for group, images in groups.items():
        image_features = model.encode_image(list(images)).numpy()
        sims = image_features @ text_features.T
        for i, image in enumerate(images):
            name = str(image) if isinstance(image, (str, os.PathLike)) else f"{group} #{i + 1}"
            for j, ((variant, subject), prompt) in enumerate(prompts.items()):
                rows.append({"group": group, "image": name, "variant": variant, "subject": subject,
                             "prompt": prompt, "cosine": float(sims[i, j])})
    return pd.DataFrame(rows)


def group_means(table):
    """Mean cosine per (variant, group) × subject, subjects in the order given."""
    means = table.pivot_table(index=["variant", "group"], columns="subject", values="cosine", aggfunc="mean",
                              sort=False)
    return means[list(dict.fromkeys(table["subject"]))]


SKIN_TONE = r"-(?:light|medium-light|medium|medium-dark|dark)-skin-tone(?=\.[^./\\]+$|$)"


def drawing(path) -> str:
    """The drawing an image shows: its path with an emoji skin-tone modifier taken out of the name
    ("man-teacher-dark-skin-tone.png" and "man-teacher.png" are one drawing in two colourings). Any other
    image is a drawing of its own."""
    import re

    return re.sub(SKIN_TONE, "", str(path))


TONE_LEVELS = {"light": 1, "medium-light": 2, "medium": 3, "medium-dark": 4, "dark": 5}   # the emoji modifiers, in order


def tone_level(path) -> int | None:
    """How dark the skin tone an emoji's file name gives is, from 1 (light) to 5 (dark); None where it names none."""
    import re

    found = re.search(SKIN_TONE, str(path))
    return TONE_LEVELS[found.group(0)[1:-len("-skin-tone")]] if found else None


def tone_shift(image_features, paths, base, words) -> tuple[np.ndarray, int, int]:
    """How much subtracting each of ``words`` (unit text vectors, one per row) from the query ``base`` (a unit text
    vector) lifts an emoji's darker colourings over its lighter ones: within each emoji drawn in two or more skin tones,
    the correlation between a colouring's :func:`tone_level` and the change in its cosine with the query (the
    subtracted query made unit length, as a search does). Centring within each emoji takes out what the drawing itself
    gains; +1: the darker the colouring, the more it gains; 0: tone and gain unrelated; −1: the lighter gains more.
    Returns (one correlation per word, the images read, the emoji they show)."""
    levels = np.array([tone_level(p) or 0 for p in paths])
    toned = levels > 0
    emoji = np.array([drawing(p) for p in paths])[toned]
    names, group = np.unique(emoji, return_inverse=True)
    several = np.bincount(group)[group] > 1   # an emoji in one colouring has no tone to compare within it
    x = np.asarray(image_features)[toned][several]
    level, group = levels[toned][several].astype(float), np.unique(group[several], return_inverse=True)[1]
    queries = np.asarray(base)[None, :] - np.asarray(words)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    change = x @ queries.T - (x @ np.asarray(base))[:, None]   # each image's cosine after − before, one column a word

    def centred(values):   # each value less its emoji's mean
        sums = np.zeros((group.max() + 1,) + values.shape[1:])
        np.add.at(sums, group, values)
        return values - (sums / np.bincount(group).reshape((-1,) + (1,) * (values.ndim - 1)))[group]

    level, change = centred(level), centred(change)
    r = (level @ change) / np.sqrt((level ** 2).sum() * (change ** 2).sum(0))
    return r, int(len(x)), int(group.max() + 1)


def counterpart(path) -> str:
    """What pairs a drawing of a man with the same drawing of a woman: its folder and its name without the leading
    gender word ("professions/man-teacher.png" and "professions/woman-teacher.png" are one profession, drawn twice;
    "people/man.png" and "people/woman.png" too). Images in a folder per group ("man/1.jpg", "woman/1.jpg") pair
    with nothing."""
    import re
    from pathlib import PurePath

    path = PurePath(drawing(path))
    return str(path.parent / re.sub(r"^(?:man|woman|men|women|boy|girl)(?:-|$)", "", path.stem))


def tone_matched(groups: dict) -> dict:
    """The groups cut to the skin tones their matched drawings share: an image that has a counterpart in another group
    (:func:`counterpart`: the same profession drawn as a woman) stays only where every group holds that counterpart in
    the same colouring. Images that pair with nothing (a folder per group) stay as they are. Where one group's drawings
    come in colourings the other's lack, this takes the tones' difference out of a gap between them."""
    pairs = {name: {counterpart(p) for p in images} for name, images in groups.items()}
    coloured = {name: {(counterpart(p), tone_level(p)) for p in images} for name, images in groups.items()}

    def keep(name, path):
        others = [other for other in groups if other != name]
        if not any(counterpart(path) in pairs[other] for other in others):
            return True   # pairs with nothing: nothing to match
        return all((counterpart(path), tone_level(path)) in coloured[other] for other in others)

    return {name: [p for p in images if keep(name, p)] for name, images in groups.items()}


@dataclasses.dataclass(frozen=True, eq=False)
class Swaps:
    """The gaps :func:`group_gap` drew with the labels swapped: ``gaps[i, j]`` is draw i's gap for ``columns[j]``, a
    (variant, subject). Keyed, so a table filtered or reordered still finds its rows; compared by identity, so pandas
    can carry it in ``DataFrame.attrs`` (an array there cannot be compared)."""
    gaps: np.ndarray
    columns: tuple

    def of(self, variants, subjects) -> np.ndarray:
        """The draws for these rows (n_draws × rows)."""
        where = {key: j for j, key in enumerate(self.columns)}
        return self.gaps[:, [where[key] for key in zip(variants, subjects)]]


def group_gap(table, a: str, b: str, n_permutations: int = 5000, n_bootstrap: int = 2000, seed: int = 0,
              unit=drawing, pair=counterpart):
    """Mean cosine of group a minus group b for every (variant, subject), with
    a two-sided permutation p-value and a 95 % bootstrap interval.

    unit : maps an image path to what the shuffles move as one: by default its drawing (:func:`drawing`), so the
    colourings of one emoji keep their group together and a group counts as its drawings, not its images (they are
    not independent); ``None`` moves single images.
    pair : maps an image path to what matches a unit of group a with one of group b (by default
    :func:`counterpart`: one profession drawn as a man and as a woman); ``None`` pairs nothing. A matched pair's
    two labels are swapped or kept, each with chance 1/2, so the test compares the man and the woman of each
    profession and the professions' own differences drop out; units left unmatched are shuffled among themselves.
    The bootstrap resamples the pairs, and the unmatched units within each group. A gap is always the mean over
    images.

    With one unit per group no test is possible: p is 1 and the interval is the gap itself.

    The swapped labels' gaps stay with the table, ``out.attrs["swaps"]`` (:class:`Swaps`: n_permutations × rows,
    one draw of the labels per row of the array, the same draw for every column), so a statistic over several rows
    can be set against the same swaps (:func:`clipnb.claims.pooled_right_way`).
    """
    import pandas as pd

    for g in (a, b):
        if g not in set(table["group"]):
            raise ValueError(f"no group {g!r} in the table; groups are {sorted(set(table['group']))}")
    wide = table[table["group"].isin([a, b])].pivot_table(index=["group", "image"], columns=["variant", "subject"],
                                                          values="cosine", sort=False)
    keys = [(g, unit(image) if unit else image) for g, image in wide.index]
    units = list(dict.fromkeys(keys))                   # each unit once, in the table's order
    index = {k: i for i, k in enumerate(units)}
    unit_of = np.array([index[k] for k in keys])
    labels = np.array([g == a for g, _ in units])
    # matched pairs: a pair key that holds exactly one unit of each group
    by_key = {}
    for i, (_, key) in enumerate(units):
        by_key.setdefault(pair(key) if pair else i, []).append(i)
    pairs = np.array([sorted(members, key=lambda i: not labels[i]) for members in by_key.values()
                      if len(members) == 2 and labels[members].sum() == 1], dtype=int).reshape(-1, 2)
    rest = np.setdiff1d(np.arange(len(units)), pairs.ravel())
    values = wide.to_numpy()
    rng = np.random.default_rng(seed)

    def gap(unit_labels):
        mask = unit_labels[unit_of]
        return values[mask].mean(0) - values[~mask].mean(0)

    def shuffled():
        new = labels.copy()
        flip = rng.random(len(pairs)) < 0.5
        new[pairs[:, 0]], new[pairs[:, 1]] = ~flip, flip
        new[rest] = rng.permutation(labels[rest])
        return new

    observed = gap(labels)
    perms = np.stack([gap(shuffled()) for _ in range(n_permutations)])
    p = (1 + (np.abs(perms) >= np.abs(observed) - 1e-12).sum(0)) / (1 + n_permutations)
    # the bootstrap: draw the pairs, and each group's unmatched units, with replacement; an image counts as often as
    # its unit was drawn
    rest_a, rest_b = rest[labels[rest]], rest[~labels[rest]]

    def mean(drawn):
        weights = np.bincount(drawn, minlength=len(units))[unit_of]
        return weights @ values / weights.sum()

    def resampled():
        chosen = pairs[rng.integers(0, len(pairs), len(pairs))]
        return (mean(np.r_[chosen[:, 0], rng.choice(rest_a, len(rest_a))])
                - mean(np.r_[chosen[:, 1], rng.choice(rest_b, len(rest_b))]))

    boots = np.stack([resampled() for _ in range(n_bootstrap)])
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    va, vb = values[labels[unit_of]], values[~labels[unit_of]]
    out = pd.DataFrame({"variant": [v for v, _ in wide.columns], "subject": [s for _, s in wide.columns],
                        f"mean {a}": va.mean(0), f"mean {b}": vb.mean(0), "gap": observed,
                        "ci_low": low, "ci_high": high, "p_value": p, f"n {a}": len(va), f"n {b}": len(vb),
                        f"drawings {a}": int(labels.sum()), f"drawings {b}": int((~labels).sum()),
                        "matched pairs": len(pairs)})
    out = out.reset_index(drop=True)
    out.attrs["swaps"] = Swaps(perms, tuple(wide.columns))
    return out


def groups_from_folder(folder) -> dict:
    """{subfolder name: [image paths]} for a folder laid out as one subfolder per group."""
    from pathlib import Path

    from clipnb.images import is_image_path

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder: make one subfolder per group, e.g. {folder}/group_a/*.jpg")
    groups = {sub.name: sorted(p for p in sub.rglob("*") if p.is_file() and is_image_path(p))
              for sub in sorted(folder.iterdir()) if sub.is_dir() and not sub.name.startswith(".")}
    groups = {name: paths for name, paths in groups.items() if paths}
    if len(groups) < 2:
        raise ValueError(f"{folder} needs at least two subfolders with images (one per group); found {list(groups)}")
    return groups


def text_lean(encode, professions) -> list[dict]:
    """Bias from text alone: cos("a nurse", "a woman") − cos("a nurse", "a man") for each profession.

    encode : list[str] -> (N, D) L2-normalised array (a model's ``encode_text``, or a sentence encoder's).
    Positive: the unmarked profession sits nearer "a woman".
    """
    prompts = [("an " if p[:1].lower() in "aeiou" else "a ") + p for p in professions]
    features = np.asarray(encode(["a man", "a woman", *prompts]))
    man, woman = features[0], features[1]
    return [{"profession": p, "towards woman": float(f @ woman - f @ man)} for p, f in zip(professions, features[2:])]
