"""Binary opposition: order images between two poles (man/woman, happy/sad, colonizer/colonized).

Three orderings, all from the same similarities:

* ``delta``: sim(A) − sim(B), the talk's choice;
* ``axis``: projection on normalize(mean(A) − mean(B)), the mean of each pole's prompt embeddings;
* ``probability``: P(A) from a softmax at the model's logit_scale over all prompts of both poles,
  summed per pole — the talk's open question "raw similarities or probabilities?".

A pole is one prompt or a list of prompts; a pole's similarity is the cosine to the normalised
mean of its prompt embeddings.
"""
from __future__ import annotations

import numpy as np

from clipnb.geometry import unit
from clipnb.zeroshot import softmax

METHODS = ("delta", "axis", "probability")
# what each method's score is, for a grid's label ("A" and "B": the two poles, each its prompts' mean)
SCORE_LABELS = {"delta": "sim(A) − sim(B)", "axis": "projection on the axis from B to A",
                "probability": "P(A), A's prompts against B's"}


def _prompts(pole, name):
    prompts = [pole] if isinstance(pole, str) else list(pole) if isinstance(pole, (list, tuple)) else None
    if not prompts or not all(isinstance(p, str) and p.strip() for p in prompts):
        raise ValueError(f"pole {name} must be a prompt or a non-empty list of prompts, not {pole!r}")
    return prompts


def pole_label(pole) -> str:
    return pole if isinstance(pole, str) else " / ".join(pole)


def opposition_table(corpus, pole_a, pole_b):
    """Every image with sim_a, sim_b, delta, axis projection and P(A); not yet sorted."""
    model = corpus.model
    a_prompts, b_prompts = _prompts(pole_a, "A"), _prompts(pole_b, "B")
    a_features = model.encode_text(a_prompts).numpy()
    b_features = model.encode_text(b_prompts).numpy()
    a_unit, b_unit = unit(a_features.mean(0)), unit(b_features.mean(0))
    axis = a_features.mean(0) - b_features.mean(0)
    if np.linalg.norm(axis) < 1e-6:
        raise ValueError("the two poles are the same: the axis between them has length 0; choose different prompts")
    axis /= np.linalg.norm(axis)
    images = corpus.image_features
    per_prompt = softmax(model.logit_scale * images @ np.concatenate([a_features, b_features]).T)
    table = corpus.table[["path", "caption"]].copy()
    table["sim_a"] = images @ a_unit
    table["sim_b"] = images @ b_unit
    table["delta"] = table["sim_a"] - table["sim_b"]
    table["axis"] = images @ axis
    table["probability"] = per_prompt[:, :len(a_prompts)].sum(1)
    table.attrs.update(pole_a=pole_label(pole_a), pole_b=pole_label(pole_b), model=model.name)
    return table


def rank(corpus, pole_a, pole_b, method: str = "delta"):
    """Images from most A to most B by ``method``; a ``rank`` column (1 = most A) and a ``score``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    table = opposition_table(corpus, pole_a, pole_b)
    table = table.sort_values(method, ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["score"] = table[method]
    return table


def nearest_to_pole(corpus, pole, k: int = 3):
    """The talk's first step: the k images closest to one pole (no opposition)."""
    from clipnb.query import embedding

    prompts = _prompts(pole, "")
    features = corpus.model.encode_text(prompts).numpy().mean(0)
    return corpus.search(embedding(features, label=pole_label(pole)), k=k)


def null_spread(corpus, pole_a, pole_b, vocabulary, n_pairs: int = 200, k: int = 10, seed: int = 0,
                method: str = "delta"):
    """Does this axis order the corpus more than random word pairs do?

    The spread of an axis = mean score of its top-k images minus mean score of its bottom-k. The score is the
    ``delta`` sim(A) − sim(B) = x·(a − b), or the ``axis`` projection x·(a − b)/|a − b|. The delta's spread grows
    with |a − b|: two related words (happy, sad) sit near each other, so their delta spreads less than two
    unrelated words' whatever it orders; the axis takes that length out.
    Returns (real spread, array of spreads for ``n_pairs`` random pairs from ``vocabulary``,
    the fraction of random pairs whose spread is at least the real one).
    """
    if method not in ("delta", "axis"):
        raise ValueError(f"method must be 'delta' or 'axis', not {method!r}")
    if len(vocabulary) < 4:
        raise ValueError("give a vocabulary of at least 4 words to draw random poles from")
    model = corpus.model
    words = model.encode_text(list(vocabulary)).numpy()
    images = corpus.image_features

    def spread(score):
        ordered = np.sort(score)
        return ordered[-k:].mean() - ordered[:k].mean()

    real = spread(opposition_table(corpus, pole_a, pole_b)[method].to_numpy())
    rng = np.random.default_rng(seed)
    pairs = [rng.choice(len(vocabulary), 2, replace=False) for _ in range(n_pairs)]
    sims = images @ words.T
    length = (lambda i, j: np.linalg.norm(words[i] - words[j])) if method == "axis" else (lambda i, j: 1.0)
    random_spreads = np.array([spread((sims[:, i] - sims[:, j]) / length(i, j)) for i, j in pairs])
    return float(real), random_spreads, float((random_spreads >= real).mean())
