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

A third, for a model whose networks came pretrained and only its heads were trained here (``bundled``,
``bundled:skewed``): **random heads** (:func:`clipnb.models.random_heads_dir`), the same two networks with the
heads of random twins (seeds 1…N). Random weights randomise the networks too, so "beyond random weights" credits
ImageNet's and the sentence encoder's pretraining together with the training here; "beyond random heads" credits
the training here alone (:func:`clipnb.compare.heads_check`).

The verdict, for a claim that holds: **beyond its null** when p ≤ ALPHA (``claims.ALPHA``, 0.05), on its own;
**beyond after correction** when its p stays ≤ ALPHA after Holm's correction across all the model's checked claims
(:func:`correct`). p comes from :func:`clipnb.pvalues.null_p`: against random twins, the t-tail of their
statistics where those pass its checks (else their rank); against control words, the rank among them (the
subtractions' statistics are small counts). Every count is out of the draws tested: a draw whose test could not be
run (nothing to remove, say) is left out, not counted as beaten.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from clipnb import claims
from clipnb.pvalues import RANK, TAIL, TAIL_MIN_DRAWS, holm, null_p, rank_p  # noqa: F401  rank_p: the module's API
from clipnb.models import architecture, random_model, random_weights_dir

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
    "E6": lambda n: max(abs(v) for m, v in zip(n["measure"], n["value"]) if m.startswith("z ")),
    "E6-sanity": lambda n: _value(n, "mean right-way cohen_d"),
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
    "E5b": 'lead of the keyboard-mash over "a dog"', "E6": "largest lean of a profession prompt, in the person prompts' SDs (|z|)",
    "E6-sanity": "mean Cohen's d of the marked prompts, signed the right way", "E7": "mean margin of the signs over their controls",
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


def twin(model, seed: int, kind: str | None = None):
    """The random-weight model of ``model``'s architecture for ``seed`` (small ones kept in memory); ``kind`` HEADS:
    the bundled model with random heads instead (:func:`clipnb.models.random_heads_dir`), for a model that has its
    networks (:func:`clipnb.models.has_bundled_networks`)."""
    if kind == HEADS:
        from clipnb.models import load_model, random_heads_dir

        folder = str(random_heads_dir(seed))
        if folder not in _TWINS:
            _TWINS[folder] = load_model(f"local-dir:{folder}", device="cpu")
            _TWINS[folder].name, _TWINS[folder].progress = f"random heads #{seed}", False
            trunk = _TWINS[folder].model.visual.trunk   # the locked image network, the same in every random-heads twin
            _TWINS[folder].model.visual.trunk = _shared_trunk(trunk, Path(folder).name.rsplit("-", 1)[0])
        return _TWINS[folder]
    folder = str(random_weights_dir(model.name, seed, build=False))
    if folder in _TWINS:
        return _TWINS[folder]
    loaded = random_model(model.name, seed, device="cpu")
    loaded.name = f"random weights #{seed}"
    loaded.progress = False  # a learner sees the verdict, not eight more progress bars
    if sum(p.numel() for p in loaded.model.parameters()) <= KEEP_PARAMETERS:
        _TWINS[folder] = loaded
    return loaded


_TRUNK_OUTPUTS: dict = {}   # (network key, picture digest) -> the locked image network's output for that picture


def _shared_trunk(trunk, key: str):
    """The locked image network of the random-heads twins, its output for each picture computed once and kept (keyed
    by ``key``, the bundled weights it came from, and the picture's pixels): the next twin runs only its random head.
    19 twins of the bundled networks then cost one pass of EfficientNet over the images, not 19."""
    import hashlib

    import torch

    class SharedTrunk(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = trunk

        def forward(self, x):
            digests = [(key, hashlib.sha1(item.detach().cpu().numpy().tobytes()).hexdigest()) for item in x]
            missing = [i for i, d in enumerate(digests) if d not in _TRUNK_OUTPUTS]
            if missing:
                with torch.no_grad():
                    for i, row in zip(missing, self.trunk(x[missing])):
                        _TRUNK_OUTPUTS[digests[i]] = row
            return torch.stack([_TRUNK_OUTPUTS[d] for d in digests])

    return SharedTrunk()


def twins(model, n: int = NULL_MODELS):
    """``n`` random-weight models of ``model``'s architecture (seeds 1…n), one at a time."""
    for seed in range(1, n + 1):
        yield twin(model, seed)


RANDOM, CONTROLS, HEADS = "random models", "control words", "random heads"
# E8, E9, E10, E12a: the claim's word, and the keyword argument that takes it, replaced by each control word
SUBTRACTIONS = {"E8": "term", "E9": "term", "E10": "word", "E12a": "opposite"}
# Concrete nouns unrelated to the images those claims judge (men, faces, close-ups, winter, snow, trees, forests,
# happy or sad faces): everyday objects and foods, bare words as the claims subtract "forest" and "winter", drawn
# from WordNet by the model factory's `words` module (its docstring gives the rule; a test checks this list is
# what it gives).
# 280 of them, so that a rank p can reach 1/281 ≤ α/14, the first step of Holm's correction over a model's claims.
CONTROL_WORDS = tuple((
    "car bed ship ball chair machine bottle tube box desk wagon plane milk truck blanket telephone cloth aircraft "
    "automobile tool wire boat cup saddle phone canteen lamp tray vase wheel doorway fabric suitcase piano pottery "
    "tape bell bench chimney corridor dice dish engine envelope bag button pillow shelf tire brick paint pencil "
    "submarine textile tub basket computer curtain glove knife luggage motor pipe silk towel airplane barge bicycle "
    "cart cord couch drum elevator foil hallway jeep ladder pan purse rope sofa stereo taxi toast bacon cabinet "
    "candle cone fork lantern mat pork pump rug sink thread throttle toy ambulance anchor armchair balloon baton "
    "bread briefcase broom butter carpet flashlight guitar loaf mast staircase stairway stool streetcar telegraph "
    "tractor turbine violin wardrobe wool accelerator auto basin bin bowl bucket buckle bus carriage cheese clip "
    "convertible hammer harness jar keyboard leash linen magnet mosaic parachute peg pie raft ramp recorder "
    "refrigerator rocket sedan shovel steak strap torch umbrella velvet vent wallet axle baggage banjo boiler booth "
    "brig chariot cookie cooler crate cushion dial doorbell dresser fiddle flute freighter gear gem grille ham harp "
    "hook jug kettle lever marker oven panel parcel pedestal pendulum pew pier pouch propeller quilt rudder sack "
    "satin sauce sausage slate sloop spoon staple steamboat steamship tablet tanker tile trumpet tunnel vinegar wand "
    "wharf yacht accordion airbus airship arcade backpack bike biplane bracelet bumper bun canoe cello clarinet clasp "
    "compressor cot coupe dolly drill felt ferry fife fridge glider gong hamburger handball harmonica harpsichord "
    "helicopter helmet horseshoe lace laptop latch lego lifeboat limo limousine locomotive mandolin mattress mayo "
    "motorcycle napkin oboe paddle piccolo plush podium porcelain quay roast runway salsa saxophone schooner scissors "
    "softball spacecraft spaceship spaghetti stagecoach suv").split())


def _figure(value: float) -> str:
    """A statistic as the reader expects it: counts as integers, the rest to four places, signed."""
    return f"{value:+.0f}" if float(value).is_integer() else f"{value:+.4f}"


NEAR_TIE_SD = 0.25  # a statistic within this many of the null's standard deviations of its best draw is "only just"


PLAIN_P_FLOOR = 1e-4  # a tail p from a few dozen draws is not read below this in the learner's words


def _plain_p(value: float, p) -> str:
    """A p-value for the learner's sentence: a t-tail estimated from n draws is not precise far beyond them, so below
    PLAIN_P_FLOOR it reads as "below 1 in 10,000" (the long form, for researchers, keeps the number)."""
    if p.method == TAIL and value < PLAIN_P_FLOOR:
        return (f"below 1 in {round(1 / PLAIN_P_FLOOR):,} (the bell curve fitted to the {p.n} draws puts it at "
                f"{value:.0e}, further out than {p.n} draws can vouch for)")
    return f"{value:.2g}"


def _long_p(value: float, p) -> str:
    """A p-value for the researcher's verdict: "≈ 0.0031", or "< 0.0001" where a t-tail lies further out than its
    draws can vouch for (the report's table prints it the same way; the estimate follows in :meth:`Judged._how`)."""
    if p.method == TAIL and value < PLAIN_P_FLOOR:
        return f"< {PLAIN_P_FLOOR:g}"
    return f"{'≈' if p.method == TAIL else '='} {value:.2g}"


@dataclass
class Judged:
    """A claim's result set against its null (random-weight twins, or control words), and after Holm's correction
    across the model's claims once :func:`correct` has set ``p_holm`` and ``family``.

    Two readings of the same fields: :attr:`short` for a learner ("✔ shows it, beyond random weights") and
    :attr:`verdict` / ``str()`` for a researcher (p, how it was made, the draws, the correction)."""

    result: object          # the model's ClaimResult
    statistic: float | None
    null_statistics: list   # one per null draw (None where it could not be computed)
    null_holds: int         # null draws for which the claim holds
    n: int
    kind: str = RANDOM      # RANDOM (random-weight twins), CONTROLS (the same model, control words subtracted) or HEADS
    planned: int | None = None  # draws asked for
    p_holm: float | None = None  # after Holm's correction across the model's claims (:func:`correct`)
    family: int | None = None    # how many claims that correction was across

    @property
    def tested(self) -> int:
        """Null draws on which the test could be run (one with nothing to remove, say, cannot)."""
        return sum(s is not None for s in self.null_statistics)

    @property
    def draws(self) -> list:
        return [s for s in self.null_statistics if s is not None]

    @property
    def null_share(self) -> float | None:
        """Share of the tested draws whose statistic is at least the model's. A draw whose test could not be run
        is left out, not counted as beaten: whether there was anything to test is chance too."""
        if self.statistic is None or not self.tested:
            return None
        return float(np.mean([s >= self.statistic - 1e-12 for s in self.draws]))

    @cached_property
    def pvalue(self):
        """The :class:`clipnb.pvalues.PValue`: a t-tail over random twins where their statistics allow one, a
        rank among control words (their statistics are small counts), else a rank. Computed once (a Shapiro–Wilk
        test and a t-tail): the statistic and the draws are not changed after judging."""
        if self.null_share is None:
            return None
        return null_p(self.statistic, self.draws, tail=self.kind != CONTROLS)

    @property
    def p_value(self) -> float | None:
        return None if self.pvalue is None else self.pvalue.p

    @property
    def reaching(self) -> int | None:
        """Tested null draws whose statistic is at least the model's."""
        return None if self.null_share is None else round(self.null_share * self.tested)

    @property
    def beyond_random(self) -> bool | None:
        """Holds, and p ≤ ALPHA against its null, on its own (random twins or control words; the name is the
        CSV column's)."""
        if self.result.status == claims.UNCHECKABLE or self.statistic is None or not self.n:
            return None
        return self.result.status == claims.HOLDS and self.p_value is not None and self.p_value <= claims.ALPHA

    @property
    def beyond_corrected(self) -> bool | None:
        """Holds, and p ≤ ALPHA after Holm's correction across the model's claims (None before :func:`correct`)."""
        if self.p_holm is None or self.beyond_random is None:
            return None
        return bool(self.beyond_random and self.p_holm <= claims.ALPHA)

    @property
    def lead(self) -> float | None:
        """The statistic minus the null's best draw: how far above every draw (negative: some draw is above)."""
        return None if self.null_share is None else float(self.statistic - max(self.draws))

    @property
    def near_tie(self) -> bool:
        """Above every draw, but by less than NEAR_TIE_SD of their standard deviations."""
        if self.lead is None or self.lead <= 1e-12 or self.tested < 2:  # a tie is reported as a tie, by the rank
            return False
        spread = float(np.std(self.draws, ddof=1))
        return spread > 0 and self.lead < NEAR_TIE_SD * spread

    @property
    def what(self) -> str:
        return {RANDOM: "random weights", HEADS: "random heads"}.get(self.kind, "its control words")

    @property
    def cannot_tell(self) -> bool:
        """Holds, above every draw, yet the draws are too few for any p to reach ALPHA."""
        p = self.pvalue
        return p is not None and p.method == RANK and not p.reaching and 1 / (1 + self.tested) > claims.ALPHA

    def _untested(self) -> str:
        return f"; {self.n - self.tested} of {self.n} could not be tested" if self.tested < self.n else ""

    def _how(self) -> str:
        p, name, untested = self.pvalue, self.kind, self._untested()
        if p.method == TAIL:
            how = (f"z = {p.z:+.1f} over {p.n} {name} (t with {p.n - 1} degrees of freedom), {p.reaching} of "
                   f"{p.n} reach its statistic")
            if p.p < PLAIN_P_FLOOR:
                how += f"; the t-tail puts p at {p.p:.0e}, further out than {p.n} draws can vouch for"
        else:
            tie = f", {p.ties} of them tied with it" if p.ties else ""
            how = f"by rank: {p.reaching} of {p.n} {name} reach its statistic{tie}" + (
                f"; no tail estimated: {p.why}" if self.kind != CONTROLS and p.why and p.n >= 2 else "")
        if self.near_tie and self.beyond_random:
            how += f"; only just: it leads their best by {self.lead:.2g}"
        return how + untested

    def _correction(self) -> str:
        if self.p_holm is None:
            return ""
        held = _long_p(self.p_holm, self.pvalue)
        return (f"; after Holm's correction over this model's {self.family} claims, p {held}: "
                + ("beyond after correction" if self.beyond_corrected else "not beyond after correction"))

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
        p = self.pvalue
        if self.cannot_tell:
            return (f"holds, but {self.tested} {self.kind} cannot tell (none reaches its statistic, yet the smallest "
                    f"p that {self.tested} allow is 1/{1 + self.tested} = {p.p:.2g} > α = {claims.ALPHA}; it takes "
                    f"{TAIL_MIN_DRAWS} to estimate how far beyond them it lies, or {MIN_NULL} to rank it{self._untested()})")
        if self.beyond_random:
            return f"holds, beyond {self.what} (p {_long_p(p.p, p)} ≤ α; {self._how()}){self._correction()}"
        return f"holds, not beyond {self.what} (p {_long_p(p.p, p)} > α; {self._how()}){self._correction()}"

    @property
    def short(self) -> str:
        """The verdict for a learner, in a few plain words (the same fields as :attr:`verdict`)."""
        status = self.result.status
        if status == claims.UNCHECKABLE:
            return f"? cannot be checked here: {self.result.reason}"
        if status == claims.FAILS:
            return "✘ not on this model"
        if self.result.claim in IDENTITIES:
            return "≡ holds for every model (it is arithmetic)"
        if not self.n or self.null_share is None:
            return "≈ shows it (nothing to compare it with)"
        if self.cannot_tell:
            return f"○ shows it; too few {self.kind} to tell whether {self.what} would too"
        if not self.beyond_random:
            who = "unrelated words" if self.kind == CONTROLS else self.what
            return f"≈ shows it, but {who} show it more" if self.null_does_more else f"≈ shows it, but so do {who}"
        if self.beyond_corrected is False:
            return f"✔ shows it, beyond {self.what} (but not after correcting for checking {self.family} claims at once)"
        return f"✔ shows it, beyond {self.what}" + (" (only just)" if self.near_tie else "")

    @property
    def null_does_more(self) -> bool:
        """Holds, not beyond its null, and the null's draws lie beyond the model as far as "beyond" asks of the model:
        the same test, mirrored (random weights show it *more*)."""
        if self.result.status != claims.HOLDS or self.beyond_random or self.null_share is None or not self.n:
            return False
        draws = np.asarray(self.draws, dtype=float)
        return bool(len(draws) > 1 and null_p(-self.statistic, -draws, tail=self.kind != CONTROLS).p <= claims.ALPHA)

    @property
    def plain(self) -> str:
        """What the statistics say, in words a learner can follow (the first line of :meth:`_repr_html_`'s fold)."""
        if self.result.status != claims.HOLDS or self.null_share is None:
            return ""
        p = self.pvalue
        against = {RANDOM: f"{self.n} copies of this model's design with random weights, models that learned nothing",
                   HEADS: f"{self.n} copies of this model with its two pretrained networks kept and random heads: what "
                          "the networks bring before any training here"}.get(
            self.kind, f"the same model with {self.n} unrelated words in the claim's word's place")
        far = (f"; it lies {abs(p.z):.1f} of their typical spreads {'above' if p.z >= 0 else 'below'} their average"
               if p.method == TAIL else "")
        text = (f"In plain words: this model's number was set against {against}. {p.reaching} of {p.n} reached "
                f"it{far}. p is how often a draw like those would reach it by chance: {_plain_p(p.p, p)}; at most "
                f"{claims.ALPHA} counts as beyond them.")
        if self.cannot_tell:
            text += (f" With {p.n} draws p cannot go below 1/{p.n + 1} = {1 / (p.n + 1):.2g}, even when none reaches "
                     f"it: too few to tell (it takes {TAIL_MIN_DRAWS}; the default is {NULL_MODELS}).")
        if self.family:
            text += (f" Checking {self.family} claims at once makes a lucky pass likelier, so the bar is raised for "
                     f"each (Holm's correction): after it, p is {_plain_p(self.p_holm, p)}.")
        return text

    def __str__(self):
        mark = {claims.HOLDS: "✔" if self.beyond_random else "≡" if self.result.claim in IDENTITIES else
                "○" if self.cannot_tell else "≈",
                claims.FAILS: "✘", claims.UNCHECKABLE: "–"}[self.result.status]
        if self.result.status == claims.UNCHECKABLE:
            return f"{mark} {self.result.claim} cannot be checked here (claim: {self.result.statement}): {self.result.reason}"
        return f"{mark} {self.result.claim} {self.verdict}: {self.result.statement} — {self._detail()}"

    def __repr__(self):
        """Where a notebook shows no HTML: the learner's line, then the researcher's."""
        return f"{self.result.claim} ({self.result.statement}): {self.short}\n    {self}"

    def _null_text(self) -> str:
        what = STATISTIC_NAMES.get(self.result.claim, "statistic")
        source = f"random weights ({self.n} model{'s' if self.n != 1 else ''} of this architecture)" if self.kind == RANDOM else \
            f"random heads ({self.n} copies of this model, its pretrained networks kept, its heads random)" if self.kind == HEADS else \
            f"control words ({self.n} unrelated nouns, each " + ("in place of the opposite pole" if SUBTRACTIONS.get(self.result.claim) == "opposite"
                                                             else "subtracted in place of the claim's word") + ", this model)"
        if self.null_share is not None:
            draws = np.asarray(self.draws)
            return (f"null, {source}; {what}: this "
                    f"model {_figure(self.statistic)}, the null's mean {draws.mean():+.4f}, SD {draws.std(ddof=1) if len(draws) > 1 else 0:.4f}, "
                    f"best {draws.max():+.4f}")
        return ("an algebraic identity: it holds for every model, so no null is needed" if self.result.claim in IDENTITIES
                else "no null needed: the claim does not hold" if self.result.status == claims.FAILS else "no null here")

    def _detail(self) -> str:
        """What decides the verdict: the claim's reason, and the null's numbers where there is one."""
        return f"{self.result.reason}; {self._null_text()}"

    def _repr_html_(self):
        """The learner's line, with the researcher's reading one click away."""
        import html

        plain = self.plain
        colour = "#1a7f37" if self.beyond_random else "#9a6700" if self.result.status == claims.HOLDS else \
            "#cf222e" if self.result.status == claims.FAILS else "#6e7781"
        return (f'<div style="border-left:4px solid {colour};padding:4px 8px;margin:4px 0">'
                f'<i>{html.escape(self.result.statement)}</i> '   # the claim in words; its code, for notebook 11
                f'<span style="color:#6e7781;font-size:85%">({self.result.claim})</span><br>'
                f'<b style="color:{colour}">{html.escape(self.short)}</b>'
                f'<details><summary>the statistics</summary>'
                + (f'<p style="margin:2px 0">{html.escape(plain)}</p>' if plain else '')
                + f'<span style="color:#444">{html.escape(self.verdict)}: {html.escape(self._detail())}</span>'
                f'</details></div>')


# claims judged by a null of their own before the random twins: their own p, from the claim's numbers (E6: the
# smallest of its tests, any one of which suffices; E6-sanity: its one pooled test of the marked prompts)
OWN_P = {"E6": lambda n: min(v for m, v in zip(n["measure"], n["value"]) if m.startswith("p_holm")),
         "E6-sanity": lambda n: _value(n, "pooled p")}


def entering_p(judged) -> float | None:
    """The p a claim enters Holm's correction with: None for one that cannot be checked or is an identity (it is
    left out), 1 for one that does not hold or has no null p, else its null's p, or the larger of its two nulls'
    p-values where it has two (E6: person prompts, then random weights; both must hold)."""
    result = judged.result
    if result.status == claims.UNCHECKABLE or result.claim in IDENTITIES:
        return None
    if result.status != claims.HOLDS or judged.p_value is None:
        return 1.0
    own = OWN_P.get(result.claim)
    try:
        return max(judged.p_value, float(own(result.numbers))) if own and result.numbers is not None else judged.p_value
    except (KeyError, ValueError):
        return judged.p_value


def correct(judged: dict, extra: dict | None = None) -> dict:
    """Holm's correction across one model's claims: ``judged`` ({claim: Judged}), plus ``extra`` ({claim: p} for
    claims judged elsewhere, as B1). Every claim that could be checked enters (:func:`entering_p`). Sets ``p_holm``
    and ``family`` on each Judged; returns {claim: p_holm}."""
    entering = {c: entering_p(j) for c, j in judged.items()}
    entering = {c: p for c, p in entering.items() if p is not None} | dict(extra or {})
    adjusted = dict(zip(entering, holm(list(entering.values())))) if entering else {}
    for claim_id, j in judged.items():
        if claim_id in adjusted:
            j.p_holm, j.family = float(adjusted[claim_id]), len(entering)
    return adjusted


def judge(result, model, check, n: int | None = None) -> Judged:
    """Set a claim's result against ``n`` random twins (default ``$CLIPNB_NULL_MODELS`` or NULL_MODELS):
    ``check(twin)`` must run the same test on a twin. Only a claim that holds is set against them (one that does
    not can be beyond nothing). Every twin runs: the t-tail needs all their statistics, not only the rank."""
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
    return Judged(result, target, stats, holds, len(stats), planned=n)


def same_corpus(corpus, twin):
    """The corpus's images embedded by ``twin`` (cached on disk like any corpus)."""
    from clipnb.corpus import ImageCorpus

    if getattr(corpus, "folder", None) is None:
        raise ValueError("this corpus was not opened from a folder, so its images cannot be embedded by a random "
                         "model: a random-weight null needs ImageCorpus.from_folder")
    return ImageCorpus.from_folder(corpus.folder, twin, progress=False)


def controls(result, run_with, words=CONTROL_WORDS, model=None) -> Judged:
    """Set a subtraction claim against control words on the same model: ``run_with(word)`` runs the same claim
    with ``word`` subtracted in place of the claim's own, at the same weight. Nothing is encoded again but the
    words, so this null costs the same for any architecture; given the ``model``, the words are encoded in one
    batched call first (each claim then finds its word in the model's memo). As with the random twins, only a claim
    that holds is set against them: one that does not hold needs no null, and one that cannot be checked has none."""
    stats, holds = [], 0
    if result.status == claims.HOLDS:
        if model is not None:
            model.encode_text(list(words))
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

        return controls(result, run_with, model=model)
    n = default_count(model, corpus=is_corpus) if n is None else n
    return judge(result, model, lambda twin: claim(same_corpus(subject, twin) if is_corpus else twin, *args, **kwargs), n)
