"""The random-weight null: how a claim's statistic is set against random twins of its model."""
import pandas as pd
import pytest

from clipnb import claims, nulls


def _e3(cat, dog=0.1, monkey=0.1):
    numbers = pd.DataFrame({"measure": ["a dog", "a cat", "a monkey"], "value": [dog, cat, monkey]})
    status = claims.HOLDS if cat > max(dog, monkey) else claims.FAILS
    return claims.ClaimResult("E3", "a claim", status, "numbers", numbers)


def test_beyond_means_p_at_most_alpha_and_19_twins_can_reach_it():
    """p = (1 + twins at least as extreme) / (1 + twins tested); beyond its null means p ≤ ALPHA."""
    model = _e3(0.5)
    stats = [nulls.statistic(_e3(0.1 + 0.01 * i)) for i in range(19)]
    judged = nulls.Judged(model, nulls.statistic(model), stats, null_holds=15, n=19)
    assert judged.p_value == pytest.approx(1 / 20) and judged.beyond_random
    assert judged.verdict == "holds, beyond random weights (p = 0.05 ≤ α; 0 of 19 random models reach its statistic)"
    one_higher = nulls.Judged(model, nulls.statistic(model), stats[:-1] + [nulls.statistic(_e3(0.9))], 18, 19)
    assert one_higher.p_value == pytest.approx(2 / 20) and not one_higher.beyond_random
    assert one_higher.verdict == "holds, not beyond random weights (p = 0.1 > α; 1 of 19 random models reach its statistic)"


def test_a_verdict_never_contradicts_itself():
    """The old wording said "holds, but so do 0 of 8 random models; every one scores higher": the count of twins
    that *hold* and the count that *reach the statistic* are different things, and the verdict names the second."""
    model = _e3(0.5)
    higher = nulls.Judged(model, nulls.statistic(model), [0.9] * 19, 0, 19)
    assert higher.verdict == "holds, not beyond random weights (p = 1 > α; 19 of 19 random models reach its statistic)"


def test_too_few_twins_or_none_say_so():
    model = _e3(0.5)
    eight = nulls.Judged(model, nulls.statistic(model), [0.0] * 8, 8, 8)
    assert eight.beyond_random is False and eight.p_value == pytest.approx(1 / 9)
    assert eight.verdict == ("holds, but 8 random models cannot tell (none reaches its statistic, yet the smallest p "
                             "that 8 allow is 1/9 = 0.11 > α = 0.05; it takes 19)")
    stopped = nulls.Judged(model, nulls.statistic(model), [0.9], 1, 1, planned=19)
    assert stopped.verdict == ("holds, not beyond random weights (p ≥ 0.1 > α: the first of the 19 random models "
                               "already reaches its statistic, so the other 18 were not run)")
    two = nulls.Judged(model, nulls.statistic(model), [0.9, 0.0], 2, 2, planned=3)
    assert two.verdict == ("holds, not beyond random weights (p ≥ 0.5 > α: 1 of the first 2 random models already "
                           "reach its statistic, so the last was not run)")
    assert str(stopped).count("p ") == 1, "one p-value per verdict"
    none = nulls.Judged(model, nulls.statistic(model), [], 0, 0)
    assert none.beyond_random is None and none.verdict == "holds (no null here)"
    failing = _e3(0.05)
    assert nulls.Judged(failing, nulls.statistic(failing), [0.0] * 8, 0, 8).verdict == claims.FAILS
    assert "random weights (8 models" in str(nulls.Judged(failing, nulls.statistic(failing), [0.0] * 8, 0, 8))


def test_twins_that_cannot_be_tested_are_left_out_not_counted_as_beaten():
    """Whether a random model had anything to test is chance too: counts are out of the twins tested."""
    model = _e3(0.5)
    one = nulls.Judged(model, nulls.statistic(model), [None] * 7 + [0.0], 1, 8)
    assert one.tested == 1 and one.null_share == 0 and one.p_value == pytest.approx(1 / 2)
    assert one.beyond_random is False and "1 random models cannot tell (none reaches its statistic" in one.verdict
    assert "7 of 8 could not be tested" in one.verdict
    higher = nulls.Judged(model, nulls.statistic(model), [None] * 7 + [0.9], 1, 8)
    assert higher.null_share == 1 and not higher.beyond_random
    nothing = nulls.Judged(model, nulls.statistic(model), [None] * 8, 0, 8)
    assert nothing.null_share is None and nothing.beyond_random is False
    assert nothing.verdict == "holds (none of the 8 random models could be tested the same way)"
    nineteen = nulls.Judged(model, nulls.statistic(model), [None] + [0.0] * 19, 19, 20)
    assert nineteen.beyond_random and nineteen.verdict.endswith("(p = 0.05 ≤ α; 0 of 19 random models reach its "
                                                                "statistic; 1 of 20 could not be tested)")


def test_the_control_words_are_many_unrelated_and_distinct():
    words = nulls.CONTROL_WORDS
    assert len(words) >= 30 and len(set(words)) == len(words)
    from clipnb import captions

    for label in ("men", "women", "close_ups", "winter", "trees", "happy", "sad"):
        assert not captions.matches(label, words).any(), label  # none names what the claims judge


def test_large_architectures_get_fewer_twins_by_default(monkeypatch):
    import clipnb

    monkeypatch.delenv("CLIPNB_NULL_MODELS", raising=False)
    small = clipnb.load_model("bundled", device="cpu")
    assert nulls.default_count(small) == nulls.NULL_MODELS == nulls.MIN_NULL == 19

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


def test_rank_p_counts_the_model_as_one_more_draw():
    assert nulls.rank_p(0.5, [0.1, 0.2, 0.6]) == pytest.approx(2 / 4)
    assert nulls.rank_p(0.5, [0.5]) == pytest.approx(1.0)  # a tie reaches the statistic
    assert nulls.rank_p(1.0, [0.0] * 19) == pytest.approx(0.05)
