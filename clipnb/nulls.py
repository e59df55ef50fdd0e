"""A null for every claim, testing the claim's mechanism, and one language for what a verdict means.

Two nulls, each for the claims whose mechanism it tests:

* **random weights** (E1, E3–E7, E13): the same open_clip architecture with random weights (seeds 1…N,
  built once and kept on disk) runs the same test. A claim that random weights hold as well is the mechanics
  of the test, not something the model learned.
* **control words** (the subtractions E8, E9, E10 and E12a's opposite pole): the same model, the same query,
  with each of ``CONTROL_WORDS`` (concrete nouns unrelated to the judged images) subtracted in place of the
  claim's word at the same weight. Subtracting "forest" removing forest images is evidence about "forest"
  only when subtracting "a spoon" or "a guitar" does not remove as many: before − after also measures how many
  relevant images the query found to begin with, which any subtraction can push out.

The verdict, for a claim that holds: **beyond its null** when p ≤ ALPHA (``claims.ALPHA``, 0.05), where
p = (1 + null draws at least as extreme) / (1 + null draws tested); otherwise **not beyond**, or **too few**
when even a statistic above every draw could not reach ALPHA (fewer than 19 draws). Every count is out of the
draws tested: a draw whose test could not be run (nothing to remove, say) is left out, not counted as beaten.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clipnb import claims
from clipnb.models import architecture, random_weights_dir

NULL_MODELS = 19  # random twins per claim: with 19, a statistic above every one has p = 1/20 = ALPHA
MIN_NULL = 19     # null draws needed before p can reach ALPHA


LARGE_NULL_MODELS = 2  # for architectures over LARGE_PARAMETERS: each twin embeds the corpus anew (ViT-B-32: ~45 s)
LARGE_PARAMETERS = 30_000_000


def default_count(model=None, corpus: bool = True) -> int:
    """``$CLIPNB_NULL_MODELS`` (0 turns the null off), else NULL_MODELS; for a claim on a corpus (``corpus``) of a
    ``model`` over LARGE_PARAMETERS parameters, LARGE_NULL_MODELS, since each twin embeds the whole corpus anew
    (too few to reach ALPHA: the verdict says so; ask for 19 with ``--null 19`` or the variable where there is
    time or a GPU). Claims on a few images (E3–E7) get NULL_MODELS twins whatever the size."""
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
    "E6-sanity": lambda n: _value(n, "right and beyond noise"),
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
    "E6-sanity": "marked prompts pointing the right way beyond noise", "E7": "mean margin of the signs over their controls",
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


RANDOM, CONTROLS = "random models", "control words"
# E8, E9, E10, E12a: the claim's word, and the keyword argument that takes it, replaced by each control word
SUBTRACTIONS = {"E8": "term", "E9": "term", "E10": "word", "E12a": "opposite"}
# Concrete nouns unrelated to the images those claims judge (men, faces, close-ups, winter, snow, trees, forests,
# happy or sad faces): household objects, tools and instruments; no person, body part, weather, plant, landscape,
# season, emotion or camera word. Bare words, as the claims subtract "forest" and "winter".
CONTROL_WORDS = ("spoon guitar clock car chair bottle hammer key lamp pencil cup shoe bicycle kettle book telephone "
                 "ladder bucket candle drum fork plate sofa toaster trumpet violin wrench screwdriver umbrella "
                 "backpack suitcase helmet basket brick coin scissors stapler teapot envelope calculator").split()


def _figure(value: float) -> str:
    """A statistic as the reader expects it: counts as integers, the rest to four places, signed."""
    return f"{value:+.0f}" if float(value).is_integer() else f"{value:+.4f}"
@dataclass
class Judged:
    """A claim's result set against its null (random-weight twins, or control words)."""

    result: object          # the model's ClaimResult
    statistic: float | None
    null_statistics: list   # one per random twin (None where it could not be computed)
    null_holds: int         # random twins for which the claim holds
    n: int
    kind: str = RANDOM      # RANDOM (random-weight twins) or CONTROLS (the same model, control words subtracted)
    planned: int | None = None  # draws asked for; more than ``n`` when the null stopped once one reached the statistic

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
        """:func:`rank_p` of the model's statistic among the tested draws: with 19 the smallest possible is 1/20 = ALPHA."""
        if self.null_share is None:
            return None
        return rank_p(self.statistic, [s for s in self.null_statistics if s is not None])

    @property
    def reaching(self) -> int | None:
        """Tested null draws whose statistic is at least the model's."""
        return None if self.null_share is None else round(self.null_share * self.tested)

    @property
    def beyond_random(self) -> bool | None:
        """Holds, and p ≤ ALPHA against its null (random twins or control words; the name is the CSV column's)."""
        if self.result.status == claims.UNCHECKABLE or self.statistic is None or not self.n:
            return None
        return self.result.status == claims.HOLDS and self.p_value is not None and self.p_value <= claims.ALPHA

    @property
    def what(self) -> str:
        return "random weights" if self.kind == RANDOM else "its control words"

    @property
    def verdict(self) -> str:
        status = self.result.status
        if status != claims.HOLDS:
            return status
        if self.result.claim in IDENTITIES:
            return "holds (an algebraic identity, true for any model)"
        if not self.n or self.statistic is None:
            return "holds (no null here)"
        if self.null_share is None:
            return f"holds (none of the {self.n} {self.kind} could be tested the same way)"
        untested = f"; {self.n - self.tested} of {self.n} could not be tested" if self.tested < self.n else ""
        reach = f"{self.reaching} of {self.tested} {self.kind} reach its statistic{untested}"
        if self.beyond_random:
            return f"holds, beyond {self.what} (p = {self.p_value:.2g} ≤ α; {reach})"
        planned = max(self.planned or self.n, self.n)
        if self.reaching and planned > self.n:  # stopped early: more draws could not bring p down to α
            first = (f"the first of the {planned} {self.kind} already reaches" if self.tested == 1 else
                     f"{self.reaching} of the first {self.tested} {self.kind} already reach")
            return (f"holds, not beyond {self.what} (p ≥ {(1 + self.reaching) / (1 + planned):.2g} > α: {first} its "
                    f"statistic, so " + ("the last was" if planned - self.n == 1 else f"the other {planned - self.n} were")
                    + " not run)")
        if not self.reaching and 1 / (1 + self.tested) > claims.ALPHA:
            return (f"holds, but {self.tested} {self.kind} cannot tell (none reaches its statistic, yet the smallest "
                    f"p that {self.tested} allow is 1/{1 + self.tested} = {self.p_value:.2g} > α = {claims.ALPHA}; "
                    f"it takes {MIN_NULL}{untested})")
        return f"holds, not beyond {self.what} (p = {self.p_value:.2g} > α; {reach})"

    def __str__(self):
        mark = {claims.HOLDS: "✔" if self.beyond_random else "≡" if self.result.claim in IDENTITIES else "≈",
                claims.FAILS: "✘", claims.UNCHECKABLE: "–"}[self.result.status]
        if self.result.status == claims.UNCHECKABLE:
            return f"{mark} {self.result.claim} cannot be checked here (claim: {self.result.statement}): {self.result.reason}"
        what = STATISTIC_NAMES.get(self.result.claim, "statistic")
        source = f"random weights ({self.n} model{'s' if self.n != 1 else ''} of this architecture)" if self.kind == RANDOM else \
            f"control words ({self.n} unrelated nouns subtracted in its word's place, this model)"
        null = (f"null, {source}: the claim holds for {self.null_holds} of {self.tested} of them too; {what}: this "
                f"model {_figure(self.statistic)}, reached by {self.reaching} of {self.tested}" if self.null_share is not None else
                "an algebraic identity: it holds for every model, so no null is needed" if self.result.claim in IDENTITIES
                else "no null needed: the claim does not hold" if self.result.status == claims.FAILS
                else "no null here")
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


def rank_p(statistic: float, draws) -> float:
    """A null's p-value: (1 + draws at least as extreme as ``statistic``) / (1 + draws). The model counts as one more
    draw, so p is never 0; with 19 draws the smallest possible is 1/20."""
    draws = np.asarray(list(draws), dtype=float)
    return float((1 + np.sum(draws >= statistic - 1e-12)) / (1 + len(draws)))


def judge(result, model, check, n: int | None = None) -> Judged:
    """Set a claim's result against up to ``n`` random twins (default ``$CLIPNB_NULL_MODELS`` or NULL_MODELS):
    ``check(twin)`` must run the same test on a twin. Only a claim that holds is set against them (one that does
    not can be beyond nothing), and the twins stop at the first that reaches the model's statistic: from then on
    p ≥ 2 / (n + 1) whatever the rest do, so the verdict is the one all n would give."""
    n = default_count(model) if n is None else n
    target = statistic(result)
    stats, holds = [], 0
    if result.status != claims.HOLDS or target is None:
        n = 0  # nothing can be beyond its null, so there is nothing to set against random weights
    if n and architecture(model.name) is not None:
        for random_model in twins(model, n):
            twin_result = check(random_model)
            stats.append(statistic(twin_result))
            holds += twin_result.status == claims.HOLDS
            if stats[-1] is not None and stats[-1] >= target - 1e-12:
                break
    return Judged(result, target, stats, holds, len(stats), planned=n)


def same_corpus(corpus, twin):
    """The corpus's images embedded by ``twin`` (cached on disk like any corpus)."""
    from clipnb.corpus import ImageCorpus

    if getattr(corpus, "folder", None) is None:
        raise ValueError("this corpus was not opened from a folder, so its images cannot be embedded by a random "
                         "model: a random-weight null needs ImageCorpus.from_folder")
    return ImageCorpus.from_folder(corpus.folder, twin, progress=False)


def controls(result, run_with, words=CONTROL_WORDS) -> Judged:
    """Set a subtraction claim against control words on the same model: ``run_with(word)`` runs the same claim
    with ``word`` subtracted in place of the claim's own, at the same weight. Nothing is encoded again but the
    words, so this null costs the same for any architecture."""
    stats, holds = [], 0
    if result.status != claims.UNCHECKABLE:
        for word in words:
            drawn = run_with(word)
            stats.append(statistic(drawn))
            holds += drawn.status == claims.HOLDS
    return Judged(result, statistic(result), stats, holds, len(stats), CONTROLS)


def check(claim, subject, *args, n: int | None = None, **kwargs) -> Judged:
    """Run ``claim(subject, *args, **kwargs)`` and set it against its null: control words for the subtraction
    claims (E8, E9, E10, E12a: ``SUBTRACTIONS``), else ``n`` random twins (default ``$CLIPNB_NULL_MODELS`` or
    NULL_MODELS).

    subject : a model (E3–E6) or an :class:`~clipnb.corpus.ImageCorpus` (E1, E8–E13), whose images the
    twins embed anew.
    """
    from clipnb.corpus import ImageCorpus

    is_corpus = isinstance(subject, ImageCorpus)
    model = subject.model if is_corpus else subject
    result = claim(subject, *args, **kwargs)
    if result.claim in SUBTRACTIONS:
        import inspect

        def run_with(word):  # the same call, the claim's word (given by position or by name) replaced
            bound = inspect.signature(claim).bind(subject, *args, **kwargs)
            bound.arguments[SUBTRACTIONS[result.claim]] = word
            return claim(*bound.args, **bound.kwargs)

        return controls(result, run_with)
    n = default_count(model, corpus=is_corpus) if n is None else n
    return judge(result, model, lambda twin: claim(same_corpus(subject, twin) if is_corpus else twin, *args, **kwargs), n)
