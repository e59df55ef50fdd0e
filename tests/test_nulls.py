"""The random-weight null: how a claim's statistic is set against random twins of its model."""
import html
import numpy as np
import pandas as pd
import pytest

from clipnb import claims, nulls


def _e3(cat, dog=0.1, monkey=0.1):
    numbers = pd.DataFrame({"measure": ["a dog", "a cat", "a monkey"], "value": [dog, cat, monkey]})
    status = claims.HOLDS if cat > max(dog, monkey) else claims.FAILS
    return claims.ClaimResult("E3", "a claim", status, "numbers", numbers)


def _spread(n=19, centre=0.0, seed=0):
    """n draws of a statistic from one normal distribution (SD 0.01), as a null's twins give."""
    import numpy as np

    return list(centre + 0.01 * np.random.default_rng(seed).standard_normal(n))


def test_the_t_tail_reaches_below_alpha_over_m_where_the_rank_cannot():
    """With 19 twins the rank p cannot go below 1/20; the t-tail of their spread can, and it is the p a verdict uses
    where the twins pass its checks."""
    from scipy import stats

    draws = _spread()
    model = _e3(0.1 + 0.06)  # statistic 0.06: about 6 SDs above the twins
    judged = nulls.Judged(model, nulls.statistic(model), draws, null_holds=0, n=19)
    p = judged.pvalue
    assert p.method == nulls.TAIL and p.rank == pytest.approx(1 / 20)
    mean, sd = np.mean(draws), np.std(draws, ddof=1)
    expected = stats.t.sf((0.06 - mean) / sd / np.sqrt(1 + 1 / 19), 18)
    assert judged.p_value == pytest.approx(expected) and judged.p_value < claims.ALPHA / 14
    shown = "< 0.0001" if expected < 1e-4 else f"≈ {expected:.2g}"   # as the report's table prints it
    assert judged.verdict.startswith(f"holds, beyond random weights (p {shown} ≤ α; z = +")
    assert "over 19 random models (t with 18 degrees of freedom), 0 of 19 reach its statistic" in judged.verdict
    assert judged.short == "✔ shows it, beyond random weights"
    z = (0.06 - mean) / sd
    assert judged.plain.startswith("In plain words: this model's number was set against 19 copies of this model's "
                                   "design with random weights")
    assert f"0 of 19 reached it; it lies {z:.1f} of their typical spreads above their average" in judged.plain
    assert html.escape(judged.plain) in judged._repr_html_() and "Holm" not in judged.plain  # not corrected yet
    nulls.correct({"E3": judged, "E4": judged})
    assert "(Holm's correction): after it, p is " in judged.plain


def test_the_learners_words_do_not_read_a_tail_p_far_beyond_its_draws():
    """A t-tail from 19 draws puts E3 of the bundled model at p ≈ 1e-13; the learner reads "below 1 in 10,000",
    the long form (for researchers) says "< 0.0001", as the report's table does, and keeps the estimate beside its z."""
    draws = _spread()
    judged = nulls.Judged(_e3(0.1 + 0.5), nulls.statistic(_e3(0.1 + 0.5)), draws, null_holds=0, n=19)
    assert judged.pvalue.method == nulls.TAIL and judged.p_value < 1e-6
    assert "by chance: below 1 in 10,000 (the bell curve fitted to the 19 draws puts it at " in judged.plain
    assert judged.verdict.startswith("holds, beyond random weights (p < 0.0001 ≤ α; z = ")
    assert f"the t-tail puts p at {judged.p_value:.0e}, further out than 19 draws can vouch for" in judged.verdict
    nulls.correct({"E3": judged, "E7": judged})
    assert "after it, p is below 1 in 10,000" in judged.plain
    modest = nulls.Judged(_e3(0.1 + 0.06), nulls.statistic(_e3(0.1 + 0.06)), draws, null_holds=0, n=19)
    assert modest.p_value >= 1e-4 or "below 1 in 10,000" in modest.plain
    if modest.p_value >= 1e-4:
        assert f"by chance: {modest.p_value:.2g};" in modest.plain


def test_a_statistic_among_the_twins_is_not_beyond():
    draws = _spread(centre=0.05)
    model = _e3(0.1 + float(np.median(draws)))
    judged = nulls.Judged(model, nulls.statistic(model), draws, 10, 19)
    assert 0.3 < judged.p_value < 0.7 and judged.beyond_random is False
    assert judged.verdict.startswith("holds, not beyond random weights (p ≈ ")
    assert judged.short == "≈ shows it, but so do random weights"


def test_no_spread_a_small_count_or_a_mixture_falls_back_to_the_rank():
    """Never a z from zero spread; a count of few values and a mixture of collapsed and working twins are not one
    normal distribution, so their p is the rank, and the verdict says why."""
    model = _e3(0.5)
    flat = nulls.Judged(model, nulls.statistic(model), [0.0] * 19, 0, 19)
    assert flat.pvalue.method == nulls.RANK and flat.p_value == pytest.approx(1 / 20)
    assert "no tail estimated: the draws have no spread" in flat.verdict
    counts = nulls.Judged(model, nulls.statistic(model), [0.0, 0.1, 0.2] * 6 + [0.1], 0, 19)
    assert counts.pvalue.method == nulls.RANK and "fewer than 6 values" in counts.verdict
    mixture = _spread(14) + [0.3, 0.31, 0.29, 0.3, 0.3]  # five collapsed twins far from the rest
    mixed = nulls.Judged(_e3(0.1 + 0.35), 0.35, mixture, 0, 19)
    assert mixed.pvalue.method == nulls.RANK and "not one normal distribution (Shapiro" in mixed.verdict


def test_a_verdict_never_contradicts_itself():
    """The old wording said "holds, but so do 0 of 8 random models; every one scores higher": the count of twins
    that *hold* and the count that *reach the statistic* are different things, and the verdict names the second."""
    model = _e3(0.5)
    higher = nulls.Judged(model, nulls.statistic(model), [0.9 + d for d in _spread()], 0, 19)
    assert higher.verdict.startswith("holds, not beyond random weights (p ≈ 1 > α; z = -")
    assert "19 of 19 reach its statistic" in higher.verdict


def test_random_weights_show_it_more_only_when_they_lie_beyond_the_model():
    """The mirror of "beyond": a model half a spread below its twins' mean is among them, not below them."""
    spread = _spread()
    centre = float(np.mean([0.5 + d for d in spread]))
    sd = float(np.std([0.5 + d for d in spread], ddof=1))
    among = nulls.Judged(_e3(centre - 0.6 * sd), centre - 0.6 * sd, [0.5 + d for d in spread], 19, 19)
    below = nulls.Judged(_e3(centre - 6 * sd), centre - 6 * sd, [0.5 + d for d in spread], 19, 19)
    assert among.short == "≈ shows it, but so do random weights"
    assert below.short == "≈ shows it, but random weights show it more"


def test_a_near_tie_at_the_top_says_only_just():
    draws = _spread()
    model = _e3(0.1 + max(draws) + 0.0001)
    judged = nulls.Judged(model, nulls.statistic(model), draws, 0, 19)
    if judged.beyond_random:
        assert "only just: it leads their best by" in judged.verdict and judged.short.endswith("(only just)")
    ranked = nulls.Judged(model, nulls.statistic(model), [max(draws) + 0.0001] * 3 + draws[3:], 0, 19, kind=nulls.CONTROLS)
    assert "3 of them tied with it" in ranked.verdict  # a tie is a tie


def test_too_few_twins_or_none_say_so():
    model = _e3(0.5)
    two = nulls.Judged(model, nulls.statistic(model), [0.0, 0.01], 2, 2)
    assert two.beyond_random is False and two.p_value == pytest.approx(1 / 3)
    assert two.verdict == ("holds, but 2 random models cannot tell (none reaches its statistic, yet the smallest p "
                           "that 2 allow is 1/3 = 0.33 > α = 0.05; it takes 8 to estimate how far beyond them it "
                           "lies, or 19 to rank it)")
    assert two.short == "○ shows it; too few random models to tell whether random weights would too"
    assert "p cannot go below 1/3 = 0.33, even when none reaches it: too few to tell" in two.plain
    none = nulls.Judged(model, nulls.statistic(model), [], 0, 0)
    assert none.beyond_random is None and none.verdict == "holds (no null here)"
    failing = _e3(0.05)
    assert nulls.Judged(failing, nulls.statistic(failing), [0.0] * 8, 0, 8).verdict == claims.FAILS
    assert nulls.Judged(failing, nulls.statistic(failing), [0.0] * 8, 0, 8).short == "✘ not on this model"
    assert "random weights (8 models" in str(nulls.Judged(failing, nulls.statistic(failing), [0.0] * 8, 0, 8))


def test_holm_takes_every_checked_claim_and_a_two_null_claim_with_its_larger_p():
    """Every checked claim enters (one that does not hold with p = 1; an identity and an unchecked claim stay out);
    E6 enters with the larger of its person-prompt p and its random-weight p; B1 comes in from outside."""
    strong = nulls.Judged(_e3(0.2), 0.1, _spread(), 0, 19)
    failing = nulls.Judged(_e3(0.05), None, [], 0, 0)
    e6_numbers = pd.DataFrame({"measure": ["z nurse", "p_holm nurse", "p_holm doctor"], "value": [9.0, 0.03, 0.5]})
    e6 = nulls.Judged(claims.ClaimResult("E6", "", claims.HOLDS, "", e6_numbers), 9.0, _spread(), 0, 19)
    unchecked = nulls.Judged(claims.ClaimResult("E8", "", claims.UNCHECKABLE, "no close-up"), None, [], 0, 0)
    identity = nulls.Judged(claims.ClaimResult("E12b", "", claims.HOLDS, ""), 1.0, [], 0, 0)
    judged = {"E3": strong, "E4": failing, "E6": e6, "E8": unchecked, "E12b": identity}
    assert nulls.entering_p(e6) == pytest.approx(0.03)  # its own null's p is the larger
    adjusted = nulls.correct(judged, {"B1": 0.001})
    assert set(adjusted) == {"E3", "E4", "E6", "B1"} and strong.family == 4 and unchecked.p_holm is None
    assert adjusted == pytest.approx(dict(zip(["E3", "E4", "E6", "B1"], claims.holm(
        [strong.p_value, 1.0, 0.03, 0.001]))))
    assert strong.beyond_corrected and not e6.beyond_corrected  # E6: 0.03 × 2 > α at Holm's third step of four
    assert "after Holm's correction over this model's 4 claims" in strong.verdict


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
    assert nineteen.beyond_random and nineteen.verdict.endswith("(p = 0.05 ≤ α; by rank: 0 of 19 random models reach "
                                                                "its statistic; no tail estimated: the draws have no "
                                                                "spread; 1 of 20 could not be tested)")


def test_the_control_words_are_many_unrelated_distinct_and_what_wordnet_gives():
    """Enough for a rank p to reach α/14 (Holm's first step over a model's claims), and the list clipnb_train.words
    draws from WordNet by its stated rule."""
    from clipnb_train import words as drawn

    words = nulls.CONTROL_WORDS
    assert 1 / (1 + len(words)) <= claims.ALPHA / 14 and len(set(words)) == len(words)
    assert list(words) == drawn.control_words()
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
