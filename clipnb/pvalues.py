"""p-values from a null's draws, and Holm's correction across a model's claims.

Two ways to turn a statistic and its null draws into a p-value:

* **rank**: p = (1 + draws at least as extreme) / (1 + draws). Exact for exchangeable draws, whatever their
  distribution, but never below 1 / (1 + draws): 19 random models give at least 0.05, which no correction over
  more than one claim can keep. Used where the draws are many (control words, person prompts) or where a tail
  cannot be estimated honestly (too few draws, no spread, a small count, draws that fail the normality check).
* **t-tail**: the draws' mean and spread estimate the null's tail. For a new draw from the same normal
  distribution, (x − mean) / (SD·√(1 + 1/n)) follows Student's t with n − 1 degrees of freedom, so
  p = P(t ≥ that). It can reach α/m with 19 draws, which the correction needs. It assumes the draws come from
  one normal distribution: checked where it is used (Shapiro–Wilk, ``NORMALITY_ALPHA``); a null that fails it
  (a mixture of collapsed and working random models, say) falls back to rank.

Which a claim gets is tested, not chosen by taste: ``tests/test_compare.py`` checks that random models of the
bundled architecture come out beyond no more often than α, before and after Holm, and that leaving one random
model out and computing its p against the rest falls below α/m about α/m of the time.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHA = 0.05
TAIL_MIN_DRAWS = 8        # fewer draws than this: their spread is too rough to estimate a tail from
TAIL_MIN_DISTINCT = 6     # draws with fewer distinct values are a small count: rank only
NORMALITY_ALPHA = 0.01    # Shapiro–Wilk p below this: the draws are not one normal distribution, rank only
RANK, TAIL = "rank", "t-tail"


@dataclass(frozen=True)
class PValue:
    """A p-value and how it was made: ``method`` RANK or TAIL; ``z`` the statistic in the draws' standard
    deviations from their mean (None without spread); ``rank`` the rank p beside it; ``reaching`` and ``ties``
    the draws at least as extreme and exactly as extreme; ``why`` why a tail was not estimated (rank only)."""

    p: float
    method: str
    n: int
    z: float | None
    rank: float
    reaching: int
    ties: int
    why: str = ""


def rank_p(statistic: float, draws) -> float:
    """(1 + draws at least as extreme as ``statistic``) / (1 + draws): the model counts as one more draw, so p
    is never 0; with 19 draws the smallest possible is 1/20."""
    draws = np.asarray(list(draws), dtype=float)
    return float((1 + np.sum(draws >= statistic - 1e-12)) / (1 + len(draws)))


def tail_unsuitable(draws) -> str:
    """Why no tail can be estimated from ``draws`` ("" when one can): too few, no spread, a small count, or
    not one normal distribution."""
    from scipy import stats

    draws = np.asarray(draws, dtype=float)
    if len(draws) < TAIL_MIN_DRAWS:
        return f"{len(draws)} draws are too few (it takes {TAIL_MIN_DRAWS})"
    spread = draws.std(ddof=1)
    if not np.isfinite(spread) or spread <= 1e-12 * max(1.0, float(np.abs(draws).max())):
        return "the draws have no spread"
    if len(np.unique(np.round(draws, 9))) < TAIL_MIN_DISTINCT:
        return f"the draws take fewer than {TAIL_MIN_DISTINCT} values (a small count)"
    normal = stats.shapiro(draws).pvalue
    if normal < NORMALITY_ALPHA:
        return f"the draws are not one normal distribution (Shapiro–Wilk p = {normal:.2g})"
    return ""


def null_p(statistic: float, draws, tail: bool = True, two_sided: bool = False) -> PValue:
    """The p-value of ``statistic`` (larger = more in the claim's favour) against the null ``draws``: the t-tail
    where ``tail`` and the draws allow one (:func:`tail_unsuitable`), else rank. ``two_sided``: the distance from
    the draws' mean either way counts (a lean towards either group), for the tail as for the rank."""
    from scipy import stats

    draws = np.asarray([d for d in draws if d is not None], dtype=float)
    n = len(draws)
    spread = draws.std(ddof=1) if n > 1 else 0.0
    z = float((statistic - draws.mean()) / spread) if spread > 1e-12 else None
    extreme, null = (abs(statistic - draws.mean()), np.abs(draws - draws.mean())) if two_sided and n else (statistic, draws)
    reaching = int(np.sum(null >= extreme - 1e-12))
    ties = int(np.sum(np.abs(null - extreme) <= 1e-12))
    rank = float((1 + reaching) / (1 + n))
    why = tail_unsuitable(draws) if tail else "a count: ranked against enough draws instead"
    if why:
        return PValue(rank, RANK, n, z, rank, reaching, ties, why)
    t = (abs(z) if two_sided else z) / np.sqrt(1 + 1 / n)
    p = float(stats.t.sf(t, n - 1)) * (2 if two_sided else 1)
    return PValue(min(p, 1.0), TAIL, n, z, rank, reaching, ties)


def holm(p_values) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (family-wise error control across the tests given)."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    adjusted = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out
