"""The random-weight null: how a claim's statistic is set against random twins of its model."""
import pandas as pd
import pytest

from clipnb import claims, nulls


def _e3(cat, dog=0.1, monkey=0.1):
    numbers = pd.DataFrame({"measure": ["a dog", "a cat", "a monkey"], "value": [dog, cat, monkey]})
    status = claims.HOLDS if cat > max(dog, monkey) else claims.FAILS
    return claims.ClaimResult("E3", "a claim", status, "numbers", numbers)


def test_beyond_random_needs_the_claim_to_beat_every_one_of_eight_twins():
    model = _e3(0.5)
    stats = [nulls.statistic(_e3(c)) for c in (0.1, 0.2, 0.3, 0.12, 0.15, 0.05, 0.3, 0.2)]
    judged = nulls.Judged(model, nulls.statistic(model), stats, null_holds=6, n=8)
    assert judged.beyond_random and judged.verdict == "holds, beyond random"
    assert judged.null_share == 0 and judged.p_value == pytest.approx(1 / 9)
    one_higher = nulls.Judged(model, nulls.statistic(model), stats[:-1] + [nulls.statistic(_e3(0.9))], 7, 8)
    assert not one_higher.beyond_random and one_higher.verdict == "holds, but so do 7 of 8 random models"
    assert one_higher.null_share == pytest.approx(1 / 8)


def test_too_few_twins_or_none_say_so():
    model = _e3(0.5)
    three = nulls.Judged(model, nulls.statistic(model), [0.0, 0.1, 0.2], 3, 3)
    assert three.beyond_random is False and "too few to call it beyond random" in three.verdict
    none = nulls.Judged(model, nulls.statistic(model), [], 0, 0)
    assert none.beyond_random is None and none.verdict == "holds (no random-weight null here)"
    failing = _e3(0.05)
    assert nulls.Judged(failing, nulls.statistic(failing), [0.0] * 8, 0, 8).verdict == claims.FAILS
    assert "random weights (8 models" in str(nulls.Judged(failing, nulls.statistic(failing), [0.0] * 8, 0, 8))


def test_a_twin_that_cannot_be_checked_does_not_count_as_reaching_the_model():
    model = _e3(0.5)
    judged = nulls.Judged(model, nulls.statistic(model), [None] * 7 + [0.9], 1, 8)
    assert judged.null_share == pytest.approx(1 / 8) and not judged.beyond_random


def test_the_null_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLIPNB_NULL_MODELS", "3")
    assert nulls.default_count() == 3
    monkeypatch.setenv("CLIPNB_NULL_MODELS", "many")
    with pytest.raises(ValueError, match="whole number"):
        nulls.default_count()
