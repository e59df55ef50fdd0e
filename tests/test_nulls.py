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
    assert judged.beyond_random and judged.verdict == "holds, beyond random (above all 8 random models, p = 0.11)"
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


def test_twins_that_cannot_be_tested_are_left_out_not_counted_as_beaten():
    """Whether a random model had anything to test (E9's winter images in its top k, say) is chance too: a model
    that beats the one twin that could be tested is not thereby beyond random."""
    model = _e3(0.5)
    one = nulls.Judged(model, nulls.statistic(model), [None] * 7 + [0.0], 1, 8)
    assert one.tested == 1 and one.null_share == 0 and one.p_value == pytest.approx(1 / 2)
    assert one.beyond_random is False and "above all 1 random models tested" in one.verdict
    assert "7 of 8 could not be tested" in one.verdict
    higher = nulls.Judged(model, nulls.statistic(model), [None] * 7 + [0.9], 1, 8)
    assert higher.null_share == 1 and not higher.beyond_random
    nothing = nulls.Judged(model, nulls.statistic(model), [None] * 8, 0, 8)
    assert nothing.null_share is None and nothing.beyond_random is False
    assert nothing.verdict == "holds (none of the 8 random models could be tested the same way)"
    eight = nulls.Judged(model, nulls.statistic(model), [None] + [0.0] * 8, 8, 9)
    assert eight.beyond_random and eight.verdict == "holds, beyond random (above all 8 random models, p = 0.11; 1 of 9 could not be tested)"


def test_large_architectures_get_fewer_twins_by_default(monkeypatch):
    import clipnb

    monkeypatch.delenv("CLIPNB_NULL_MODELS", raising=False)
    small = clipnb.load_model("bundled", device="cpu")
    assert nulls.default_count(small) == nulls.NULL_MODELS == 8

    import types

    import open_clip

    large = types.SimpleNamespace(model=open_clip.create_model("ViT-B-32"))  # 151M parameters, random weights
    assert nulls.default_count(large) == nulls.LARGE_NULL_MODELS < nulls.MIN_NULL
    monkeypatch.setenv("CLIPNB_NULL_MODELS", "8")
    assert nulls.default_count(large) == 8


def test_the_null_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLIPNB_NULL_MODELS", "3")
    assert nulls.default_count() == 3
    monkeypatch.setenv("CLIPNB_NULL_MODELS", "many")
    with pytest.raises(ValueError, match="whole number"):
        nulls.default_count()
