"""A null for every claim: what the same architecture with random weights scores on the same test.

A claim that holds is evidence that a model *learned* something only when random weights do not
hold it just as well. :func:`judge` runs a claim's check on ``NULL_MODELS`` random-weight twins of a
model (same open_clip architecture, seeds 1…N, weights cached on disk so each architecture is built
once) and turns the model's verdict into one of

* **holds, beyond random**: the claim holds and its statistic beats every random twin (N = 8: the
  model's statistic would have to be the largest of 9 exchangeable draws by chance, p = 1/9 at most);
* **holds, but so do k of N random models**: the mechanics, not learning;
* **does not hold**; **cannot be checked here**.

``null_share`` is the share of random twins whose statistic is at least the model's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clipnb import claims
from clipnb.models import architecture, random_weights_dir

NULL_MODELS = 8
MIN_NULL = 8  # random twins needed before a claim is called "beyond random" (p = 1/9 at best)


LARGE_NULL_MODELS = 2  # for architectures over LARGE_PARAMETERS: each twin embeds the corpus anew (ViT-B-32: ~45 s)
LARGE_PARAMETERS = 30_000_000


def default_count(model=None, corpus: bool = True) -> int:
    """``$CLIPNB_NULL_MODELS`` (0 turns the null off), else NULL_MODELS; for a claim on a corpus (``corpus``) of a
    ``model`` over LARGE_PARAMETERS parameters, LARGE_NULL_MODELS, since each twin embeds the whole corpus anew
    (too few to call anything beyond random: the verdict says so; ask for 8 with ``--null 8`` or the variable
    where there is time or a GPU). Claims on a few images (E3–E7) get NULL_MODELS twins whatever the size."""
    import os

    value = os.environ.get("CLIPNB_NULL_MODELS", "").strip()
    if not value:
        if corpus and model is not None and sum(p.numel() for p in model.model.parameters()) > LARGE_PARAMETERS:
            return LARGE_NULL_MODELS
        return NULL_MODELS
    if not value.isdigit():
        raise ValueError(f"CLIPNB_NULL_MODELS must be a whole number of random models (0 = no null), not {value!r}")
    return int(value)


def _value(numbers, name):
    table = numbers.set_index("measure")["value"]
    return float(table[name])


# claim -> its statistic from the claim's numbers: larger = more in the claim's favour
STATISTICS = {
    "E1": lambda n: _value(n, "margin"),
    "E3": lambda n: _value(n, "a cat") - max(_value(n, "a dog"), _value(n, "a monkey")),
    "E4": lambda n: max(v for m, v in zip(n["measure"], n["value"]) if m != "a cat") - _value(n, "a cat"),
    "E5a": lambda n: _value(n, "a cheezburger") - _value(n, "a dog"),
    "E5b": lambda n: _value(n, "keyboard-mash") - _value(n, "a dog"),
    "E6": lambda n: -min(v for m, v in zip(n["measure"], n["value"]) if m.startswith("p_holm")),
    "E6-sanity": lambda n: _value(n, "right direction"),
    "E7": lambda n: _value(n, "mean margin"),
    "E8": lambda n: _value(n, "close-ups before") - _value(n, "close-ups after"),
    "E9": lambda n: n["value"].iloc[0] - n["value"].iloc[-1],  # term images removed at the largest weight
    "E10": lambda n: _value(n, "before") - _value(n, "after"),
    "E12a": lambda n: _value(n, "pole images by delta") - _value(n, "pole images nearest to pole"),
    "E12b": lambda n: _value(n, "spearman"),
    "E13": lambda n: 1 - _value(n, "solver") / _value(n, "random mean"),
}


STATISTIC_NAMES = {
    "E1": "margin between the image and text clouds", "E3": 'lead of "a cat" over the best wrong label',
    "E4": 'lead of the best description over "a cat"', "E5a": 'lead of "a cheezburger" over "a dog"',
    "E5b": 'lead of the keyboard-mash over "a dog"', "E6": "smallest corrected p-value (negated)",
    "E6-sanity": "count of marked prompts pointing the right way", "E7": "mean margin of the signs over their controls",
    "E8": "close-ups removed", "E9": "term images removed", "E10": "forest images removed",
    "E12a": "pole images the delta finds beyond nearest-to-pole", "E13": "saving over random orders",
}
IDENTITIES = {"E12b"}  # true for every model by algebra: set against no null


def statistic(result) -> float | None:
    """The claim's statistic, or None when it cannot be computed (unchecked, or no numbers)."""
    if result.status == claims.UNCHECKABLE or result.numbers is None or result.claim not in STATISTICS \
            or result.claim in IDENTITIES:
        return None
    try:
        return float(STATISTICS[result.claim](result.numbers))
    except (KeyError, ValueError):
        return None


_TWINS: dict = {}
KEEP_PARAMETERS = 30_000_000  # twins of models up to this size stay in memory for the session


def twin(model, seed: int):
    """The random-weight model of ``model``'s architecture for ``seed`` (small ones kept in memory)."""
    import clipnb

    folder = str(random_weights_dir(model.name, seed))
    if folder in _TWINS:
        return _TWINS[folder]
    loaded = clipnb.load_model(f"local-dir:{folder}", device="cpu")
    loaded.name = f"random weights #{seed}"
    loaded.progress = False  # a learner sees the verdict, not eight more progress bars
    if sum(p.numel() for p in loaded.model.parameters()) <= KEEP_PARAMETERS:
        _TWINS[folder] = loaded
    return loaded


def twins(model, n: int = NULL_MODELS):
    """``n`` random-weight models of ``model``'s architecture (seeds 1…n), one at a time."""
    for seed in range(1, n + 1):
        yield twin(model, seed)


RANDOM, SHUFFLED = "random models", "caption shuffles"


def _figure(value: float) -> str:
    """A statistic as the reader expects it: counts as integers, the rest to four places, signed."""
    return f"{value:+.0f}" if float(value).is_integer() else f"{value:+.4f}"
SHUFFLES = 199  # label permutations for a shuffled-caption null: p = 1/200 at best


@dataclass
class Judged:
    """A claim's result set against its random-weight null."""

    result: object          # the model's ClaimResult
    statistic: float | None
    null_statistics: list   # one per random twin (None where it could not be computed)
    null_holds: int         # random twins for which the claim holds
    n: int
    kind: str = RANDOM      # RANDOM (random-weight twins) or SHUFFLED (the same model, the caption labels permuted)

    @property
    def tested(self) -> int:
        """Random twins on which the test could be run (one with nothing to remove, say, cannot)."""
        return sum(s is not None for s in self.null_statistics)

    @property
    def null_share(self) -> float | None:
        """Share of the tested random twins whose statistic is at least the model's. A twin whose test could
        not be run is left out, not counted as beaten: whether there was anything to test is chance too."""
        if self.statistic is None or not self.tested:
            return None
        return float(np.mean([s >= self.statistic - 1e-12 for s in self.null_statistics if s is not None]))

    @property
    def p_value(self) -> float | None:
        """(1 + tested twins at least as extreme) / (1 + tested twins): with 8 the smallest possible is 1/9."""
        share = self.null_share
        return None if share is None else (1 + round(share * self.tested)) / (1 + self.tested)

    @property
    def beyond_random(self) -> bool | None:
        """Holds, and beats at least 95 % of at least MIN_NULL tested random twins (with 8: all, p = 1/9)."""
        if self.result.status == claims.UNCHECKABLE or self.statistic is None or not self.n:
            return None
        return self.result.status == claims.HOLDS and self.null_share is not None and self.null_share <= 0.05 \
            and self.tested >= MIN_NULL

    @property
    def verdict(self) -> str:
        status = self.result.status
        if status != claims.HOLDS:
            return status
        if self.result.claim in IDENTITIES:
            return "holds (an algebraic identity, true for any model)"
        if not self.n or self.statistic is None:
            return "holds (no random-weight null here)"
        if self.null_share is None:
            return f"holds (none of the {self.n} random models could be tested the same way)"
        untested = f"; {self.n - self.tested} of {self.n} could not be tested" if self.tested < self.n else ""
        if self.beyond_random:
            beyond = "holds, beyond random" if self.kind == RANDOM else "holds, beyond shuffled captions"
            return f"{beyond} (above all {self.tested} {self.kind}, p = {self.p_value:.2g}{untested})"
        if self.null_share <= 0.05:
            return (f"holds, above all {self.tested} {self.kind} tested (too few to call it beyond random: "
                    f"use {MIN_NULL}{untested})")
        verb = "does" if self.null_holds == 1 else "do"
        higher = "; every one scores higher" if self.null_share == 1 and self.tested == self.n else ""
        return f"holds, but so {verb} {self.null_holds} of {self.n} {self.kind}{higher}{untested}"

    def __str__(self):
        mark = {claims.HOLDS: "✔" if self.beyond_random else "≈", claims.FAILS: "✘", claims.UNCHECKABLE: "–"}[
            self.result.status]
        if self.result.status == claims.UNCHECKABLE:
            return f"{mark} {self.result.claim} cannot be checked here ({self.result.statement}): {self.result.reason}"
        what = STATISTIC_NAMES.get(self.result.claim, "statistic")
        source = f"random weights ({self.n} models of this architecture)" if self.kind == RANDOM else \
            f"shuffled captions ({self.n} draws: this model's rankings, the images' caption labels permuted)"
        null = (f"{source}: the claim holds for {self.null_holds} of {self.n}; {what}: this model "
                f"{_figure(self.statistic)}, {round(self.null_share * self.tested)} of {self.tested} tested reach it "
                f"(p = {self.p_value:.2g})" if self.null_share is not None else
                "an algebraic identity: it holds for every model, so no null is needed" if self.result.claim in IDENTITIES
                else "no random-weight null here")
        return f"{mark} {self.result.claim} {self.verdict}: {self.result.statement} — {self.result.reason}; {null}"

    def _repr_html_(self):
        import html

        colour = "#1a7f37" if self.beyond_random else "#9a6700" if self.result.status == claims.HOLDS else \
            "#cf222e" if self.result.status == claims.FAILS else "#6e7781"
        return (f'<div style="border-left:4px solid {colour};padding:4px 8px;margin:4px 0">'
                f'<b style="color:{colour}">{self.result.claim} {html.escape(self.verdict)}</b>: '
                f'{html.escape(self.result.statement)}<br><span style="color:#444">{html.escape(self._detail())}'
                "</span></div>")

    def _detail(self) -> str:
        """What decides the verdict: the claim's reason, and the null's numbers where there is one."""
        text = str(self)
        return text.split(" — ", 1)[1] if " — " in text else self.result.reason


def judge(result, model, check, n: int | None = None) -> Judged:
    """Set a claim's result against ``n`` random twins (default ``$CLIPNB_NULL_MODELS`` or 8):
    ``check(twin)`` must run the same test on a twin."""
    n = default_count(model) if n is None else n
    stats, holds = [], 0
    if result.status == claims.UNCHECKABLE:
        n = 0  # nothing was tested, so there is nothing to set against random weights
    if n and architecture(model.name) is not None:
        for random_model in twins(model, n):
            twin_result = check(random_model)
            stats.append(statistic(twin_result))
            holds += twin_result.status == claims.HOLDS
    return Judged(result, statistic(result), stats, holds, len(stats))


def same_corpus(corpus, twin):
    """The corpus's images embedded by ``twin`` (cached on disk like any corpus)."""
    from clipnb.corpus import ImageCorpus

    if getattr(corpus, "folder", None) is None:
        raise ValueError("this corpus was not opened from a folder, so its images cannot be embedded by a random "
                         "model: a random-weight null needs ImageCorpus.from_folder")
    return ImageCorpus.from_folder(corpus.folder, twin, progress=False)


def check(claim, subject, *args, n: int | None = None, **kwargs) -> Judged:
    """Run ``claim(subject, *args, **kwargs)`` and the same on ``n`` random twins; return it judged.

    subject : a model (E3–E6) or an :class:`~clipnb.corpus.ImageCorpus` (E9–E13), whose images the
    twins embed anew. ``n`` defaults to ``$CLIPNB_NULL_MODELS`` or 8.
    """
    from clipnb.corpus import ImageCorpus

    is_corpus = isinstance(subject, ImageCorpus)
    model = subject.model if is_corpus else subject
    result = claim(subject, *args, **kwargs)
    n = default_count(model, corpus=is_corpus) if n is None else n
    return judge(result, model, lambda twin: claim(same_corpus(subject, twin) if is_corpus else twin, *args, **kwargs), n)


def shuffled(result, check, masks: dict, n: int = SHUFFLES, seed: int = 0) -> Judged:
    """Set a caption-judged claim against its own model with the caption labels shuffled: ``check(masks)`` runs
    the claim with boolean arrays over the corpus (which images are winter, men, close-ups …); each draw permutes
    the images under all of them at once. Nothing is encoded again, so this null costs the same for any model:
    compare uses it where random twins of a large architecture would each embed the corpus anew."""
    rng = np.random.default_rng(seed)
    size = len(next(iter(masks.values())))
    stats, holds = [], 0
    if result.status != claims.UNCHECKABLE:
        for _ in range(n):
            order = rng.permutation(size)
            drawn = check({name: np.asarray(mask, bool)[order] for name, mask in masks.items()})
            stats.append(statistic(drawn))
            holds += drawn.status == claims.HOLDS
    return Judged(result, statistic(result), stats, holds, len(stats), SHUFFLED)
