"""clipnb.narrate: each sentence follows the numbers it is given, on branches one model alone would not reach.

The notebooks run every function on bundled, bundled:emoji and random weights (tests/notebook_sentences.py checks
the printed sentences there); these tests set the numbers by hand, so each branch is read at least once."""
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clipnb import captions, claims, narrate

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_every_narrate_function_is_called_by_a_notebook_and_every_call_exists():
    sources = "\n".join("".join(c["source"]) for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
                        for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    called = set(re.findall(r"\bnarrate\.(\w+)", sources))
    assert called == set(narrate.__all__), (set(narrate.__all__) - called, called - set(narrate.__all__))


def test_nurse_lean_reads_the_direction_only_beyond_noise(capsys):
    leans = pd.DataFrame({"subject": ["nurse"], "gap": [-0.01], "lean": [-0.02], "p_holm": [0.01]})
    narrate.nurse_lean(leans, "man", "woman")
    out = capsys.readouterr().out
    assert '"a nurse" leans towards the woman images here' in out and "the opposite way" not in out
    assert "a gap, not a lean" in out and 'this model\'s gap for "a nurse" is -0.0100' in out   # like with like
    narrate.nurse_lean(leans.assign(lean=0.02), "man", "woman")   # the speaker's number points to the woman
    assert "towards the man images here" in (out := capsys.readouterr().out) and "the opposite way" in out
    narrate.nurse_lean(leans.assign(p_holm=0.4), "man", "woman")
    out = capsys.readouterr().out
    assert "leans no more than the person prompts do" in out and "within noise" in out


def test_phrasings_name_what_outranks_the_cat(capsys):
    phrasing = pd.Series({"a tiger": 0.30, "a cat": 0.29, "the": 0.28, "cat": 0.27, "a cta": 0.20, "a dog": 0.25,
                          "a photo of a dog": 0.1, ".": 0.0}).sort_values(ascending=False)
    narrate.phrasings(phrasing, {"a cat", "cat", "a cta"}, {"a cta"}, 0.005)
    out = capsys.readouterr().out
    assert 'phrases about something else score above "a cat" here: a tiger.' in out
    assert '2 cat phrasings score below the better empty word, "the" (0.280): a cta, cat' in out
    assert "here even plain English ones (cat) fall below" in out
    assert 'a tiger score' in out and '"a tiger" above cat, a cat' in out


def test_cat_neighbours_tells_a_cat_word_from_a_miss(capsys, model):
    def neighbours(words, cosines):
        return pd.DataFrame({"neighbour": words, "cosine": cosines})

    narrate.cat_neighbours("x", neighbours(["a cat", "a dog"], [0.3, 0.29]), model)
    assert '"a cat" ranks 1 of 2 — the nearest text, only 0.010 ahead of \'a dog\'' in capsys.readouterr().out
    narrate.cat_neighbours("x", neighbours(["a kitten", "a dog", "a cat"], [0.4, 0.3, 0.2]), model)
    assert "names a cat too: the model reads it as a cat" in capsys.readouterr().out
    narrate.cat_neighbours("x", neighbours(["a car", "a kitten", "a cat"], [0.4, 0.3, 0.2]), model)
    assert "This model misses it (though 'a kitten', ahead of it, names a cat too)" in capsys.readouterr().out


def test_spread_explains_a_narrow_pair_by_its_near_poles(capsys):
    null = pd.DataFrame({"cosine of the two poles": [0.8, 0.1, 0.5], "share of random pairs spreading as wide": [0.99, 0.01, 0.5],
                         "along the unit axis: share spreading as wide": [0.5, 0.01, 0.5]}, index=["near / pair", "far / pair", "mid"])
    narrate.spread(null, 0.2, 200)
    out = capsys.readouterr().out
    assert "spread the images wider than 95 % of the 200 random word pairs: far / pair" in out
    assert "spread the images narrower than 95 % of the 200 random word pairs: near / pair" in out
    assert "Only far / pair pushes its ends further apart than random words do." in out
    narrate.spread_why(null, 0.2)
    out = capsys.readouterr().out
    assert "the poles of near / pair sit nearer each other (cosine 0.80)" in out
    assert "near / pair no longer fall below the random pairs. None stays below them." in out
    assert "Along the unit axis, far / pair spreads the images more than 95 %" in out


def test_cluster_sentences(capsys, model):
    names = pd.DataFrame({"name": ["a person", "a person", "food", "a photo"],
                          "runner_up": ["a photo", "a photo", "a photo", "food"],
                          "told apart by": ["cook, judge", "", "", ""],
                          "name fits it": [True, True, False, True], "margin": [0.004, 0.05, 0.2, 0.1]})
    narrate.shared_names(names)
    assert "2 clusters are all named 'a person' (clusters 0, 1)" in (out := capsys.readouterr().out)
    assert "The captions of the 'a person' clusters tell them apart, by the words more common in each than in the " \
           "others: 0: cook, judge." in out
    narrate.hub_names(names)
    assert "'a photo' is the name or the runner-up of 4 of the 4 clusters" in capsys.readouterr().out
    majority = pd.Series(["professions", "people", "food", "photos"])
    narrate.names_fit(names, majority, pd.Series([0.9, 0.4, 0.8, 1.0]))
    out = capsys.readouterr().out
    assert out.startswith("3 of 4 names fit") and "In 1 clusters that subject holds under half the images (1 'a person'" in out
    assert "0 'a person' (0.004 over 'a photo'): this name wins by less than 0.01, a coin toss" in out
    narrate.style_or_subject(0.05, 0.02, model)
    assert "follow neither: both are near chance" in capsys.readouterr().out


def test_across_models_sentences(capsys):
    narrate.verdict_agreement(["a", "b"], ["E1", "E2", "E3"], ["E1", "E2"], ["E2"], ["E12b"])
    out = capsys.readouterr().out
    assert out.startswith("a and b give the same kind of verdict (✔, ≈ or ✘) on 2 of the 3 claims both could check")
    assert "On 1 of these (E2) both fail" in out and "They differ on: E3." in out
    narrate.fine_tune_moves([])
    assert capsys.readouterr().out.strip().endswith("another kind of verdict on no claim.")
    agree = pd.DataFrame({"model A": ["a", "a", "b"], "model B": ["b", "untrained", "untrained"],
                          "Spearman ρ of claim numbers": [0.9, 0.5, 0.6], "top-10 overlap of query rankings": [0.1, 0.2, 0.3]})
    narrate.agreement_beyond_random(agree)
    out = capsys.readouterr().out
    assert "Spearman ρ of claim numbers: pairs above the highest with untrained (0.600): a–b 0.900" in out
    assert "top-10 overlap of query rankings: pairs above the highest with untrained (0.300): none" in out
    rows = pd.DataFrame({"model": ["a", "a", "a"], "claim": ["E1", "E2", "E10"],
                         "status": [claims.HOLDS, claims.HOLDS, claims.HOLDS], "null_models": [19, 19, 280],
                         "null_holds": [19, 12, 94], "beyond_random": [np.True_, False, False]})
    narrate.nothing_learned(rows, ["a"])
    out = capsys.readouterr().out
    assert "E2: half or more of the stand-ins" in out and "by as wide a margin, so a trained model that holds it shows no " \
        "learning" in out and "E1 on a: most stand-ins pass it too" in out
    assert "E10 on a: holds, and fewer than half of the stand-ins do" in out
    assert "a: ✔, beyond its stand-ins, on E1." in out


def test_sanity_check_says_what_the_prompts_show_together_and_alone(capsys):
    numbers = pd.DataFrame({"measure": ["tests", "right direction", "right and beyond noise alone", "pooled p"],
                            "value": [10, 10, 7, 0.001]})
    narrate.sanity_check(claims.ClaimResult("E6-sanity", "marked prompts move the scores", claims.HOLDS, "r", numbers))
    out = capsys.readouterr().out
    assert "✔ The sanity check holds on this model: marked prompts move the scores." in out and "All 10 marked prompts point the right way, and together" in out
    assert "Alone, 7 of the 10 are beyond noise" in out and "'not shown on these images', not 'no bias'" in out
    numbers["value"] = [10, 6, 1, 0.3]
    narrate.sanity_check(claims.ClaimResult("E6-sanity", "marked prompts move the scores", claims.FAILS, "r", numbers))
    out = capsys.readouterr().out
    assert "✘ The sanity check fails on this model. It asks: marked prompts move the scores." in out and "6 of the 10 marked prompts point the right way, but together" in out
    assert "Alone" not in out
    numbers["value"] = [10, 6, 1, 0.01]     # together beyond noise, but four point the wrong way
    narrate.sanity_check(claims.ClaimResult("E6-sanity", "marked prompts move the scores", claims.FAILS, "r", numbers))
    assert "Together they lean the right way beyond noise, but 4 point the wrong way" in capsys.readouterr().out


def test_word_pairs_names_the_nearest_pairs_never_a_word_with_itself(capsys, model):
    words = ["cat", "kitten", "car"]
    similarity = pd.DataFrame([[1.0, 0.7, 0.1], [0.7, 1.0, 0.2], [0.1, 0.2, 1.0]], index=words, columns=words)
    narrate.word_pairs(similarity, model, n=2)
    out = capsys.readouterr().out
    assert out.startswith("the nearest pairs: cat–kitten 0.70, kitten–car 0.20; the furthest: cat–car 0.10")
    assert "nan" not in out


def test_noise_against_persons_names_a_gap_beyond_noise_but_not_beyond_the_person_prompts(capsys):
    gaps = pd.DataFrame({"variant": ["unmarked", "unmarked", "male"], "subject": ["nurse", "pilot", "nurse"],
                         "p_holm": [0.01, 0.01, 0.01]})
    leans = pd.DataFrame({"subject": ["nurse", "pilot"], "p_value": [0.03, 0.002], "p_holm": [0.06, 0.01]})
    narrate.noise_against_persons(gaps, leans)
    out = capsys.readouterr().out
    assert out.startswith('"a nurse" was beyond noise in section 3') and "pilot" not in out
    assert "not beyond the person prompts here, once the 2 professions are corrected for: their gaps lean" in out
    assert '(alone: "a nurse" p = 0.03, corrected 0.06): a lead worth a larger test' in out
    narrate.noise_against_persons(gaps, leans.assign(p_holm=0.01))
    assert capsys.readouterr().out == ""


def test_a_skin_tone_is_set_against_the_same_emoji_in_its_other_colourings():
    """08: each toned image at an end with its own rank and the ranks of the same emoji's other colourings (not the
    man's emoji: "man-health-worker" is another drawing); one with no other colouring has nothing to be set against.
    Emoji and tone are read from the file name, as probes does; ranks are counted over the whole ranking."""
    from clipnb.narrate.opposition import _darker_first, colourings, first_colourings

    filler = [f"e/thing-{i}.png" for i in range(200)]
    order = (["e/man-health-worker.png", "e/health-worker-medium-skin-tone.png", "e/health-worker-dark-skin-tone.png",
              "e/teacher-dark-skin-tone.png"] + filler
             + ["e/teacher.png", "e/teacher-light-skin-tone.png", "e/scientist-dark-skin-tone.png",
                "e/woman-scientist.png"])
    caption_of = {"e/health-worker-dark-skin-tone.png": "a health worker, dark skin tone",
                  "e/teacher-dark-skin-tone.png": "a teacher, dark skin tone",
                  "e/scientist-dark-skin-tone.png": "a scientist, dark skin tone"}.get
    rows = colourings(["e/health-worker-dark-skin-tone.png", "e/teacher-dark-skin-tone.png",
                       "e/scientist-dark-skin-tone.png"], order, caption_of)
    assert rows == [("a health worker (dark skin tone)", 3, [2]), ("a teacher (dark skin tone)", 4, [205, 206])]
    # at the end: which colouring of each emoji comes first, against its share of darker colourings
    firsts = first_colourings(["e/health-worker-dark-skin-tone.png", "e/teacher-dark-skin-tone.png", "e/knife.png"],
                              order)
    assert firsts == [("e/health-worker.png", "e/health-worker-medium-skin-tone.png", 0.5),
                      ("e/teacher.png", "e/teacher-dark-skin-tone.png", 1 / 3)]   # the knife has one colouring: left out
    darker, expected, p = _darker_first([(first, share) for _, first, share in firsts])
    assert (darker, expected) == (1, 0.5 + 1 / 3) and np.isclose(p, 1 - 0.5 * (2 / 3))   # P(at least 1 of 2)
    assert _darker_first([("e/a-dark-skin-tone.png", 1 / 3)] * 5)[2] == pytest.approx((1 / 3) ** 5)   # all five: rare


def test_off_pole_sets_a_tone_against_its_colourings_as_a_one_in_k_chance(capsys):
    class Table:
        table = pd.DataFrame({"path": ["e/sad-face.png", "e/teacher-dark-skin-tone.png"],
                              "caption": ["a sad face", "a teacher, dark skin tone"]})

        def row_of(self, path):
            return list(self.table["path"]).index(path)

    corpus = Table()
    order = ["e/sad-face.png", "e/teacher-dark-skin-tone.png"] + [f"e/x-{i}.png" for i in range(50)] + ["e/teacher.png"]
    narrate.off_pole(corpus, "a sad face", corpus.table, order=order)
    out = capsys.readouterr().out
    assert "'a teacher (dark skin tone)' ranks #2 at the \"a sad face\" end, ahead of the same emoji in its other " \
           "colourings (#53): one of its 2 colourings had to come first, so one emoji proves nothing" in out
    narrate.off_pole(corpus, "a sad face", corpus.table,
                     order=["e/sad-face.png", "e/teacher.png", "e/teacher-dark-skin-tone.png"])
    assert "the same emoji in another colouring ranks ahead of it (#2): the drawing" in capsys.readouterr().out


def test_a_smiley_near_happy_is_read_by_how_it_is_drawn(capsys):
    """The samples' frowning smiley, second nearest to "happy" on bundled: named as a sad face there, not hinted at."""
    class Table:   # the two columns off_pole reads of a corpus, over three sample images
        table = pd.DataFrame({"path": ["emoji/faces/grinning-face.png", "clipart/people/smiley_26c45a.png",
                                       "clipart/people/smiley_8ba7d1.png"],
                              "caption": ["a grinning face", "smiley, smilies, person, people",
                                          "smiley, smilies, person, people"]})

        def row_of(self, path):
            return list(self.table["path"]).index(path)

    corpus = Table()
    narrate.off_pole(corpus, "a happy face", corpus.table)
    out = capsys.readouterr().out
    assert "'smiley (smilies)' is drawn frowning, a sad face at \"a happy face\";" in out
    assert "'smiley (smilies)' is drawn smiling, with a halo." in out
    assert captions.drawn("/abs/data/samples/clipart/people/smiley_26c45a.png") == "frowning"
    assert captions.drawn("clipart/people/other.png") is None


def test_say_prints_the_finding_and_folds_the_rest_where_a_notebook_can_fold(monkeypatch, capsys):
    import IPython.display

    from clipnb.narrate import _say

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)   # what a notebook would render below the line
    lines = ["the finding", "", "why it holds, " * 12, "and the numbers behind it " * 4]
    narrate.say(*lines, more="the numbers")   # plain Python: no notebook to fold in, so every sentence is printed
    assert capsys.readouterr().out == "\n".join(line for line in lines if line) + "\n" and not shown

    monkeypatch.setattr(_say, "_in_notebook", lambda: True)
    narrate.say(*lines, more="the numbers")
    assert capsys.readouterr().out == "the finding\n"
    page = shown.pop().data
    assert '<summary>the numbers (click to open)</summary>' in page and "why it holds" in page
    assert "and the numbers behind it" in page and "the finding" not in page and "white-space:pre-wrap" in page

    for kept in ([lines[0], "a short second line"], lines):   # short enough to read at once, or a summary (more=None)
        narrate.say(*kept, more=None if kept is lines else "the numbers")
        assert capsys.readouterr().out == "\n".join(line for line in kept if line) + "\n" and not shown
    narrate.say("", None)
    assert capsys.readouterr().out == "" and not shown


def test_probability_never_prints_a_rounded_0_or_1():
    assert [narrate.probability(v) for v in (0.0, 3e-5, 0.25, 0.99995, 1.0)] == \
        ["< 0.0001", "< 0.0001", "0.2500", "> 0.9999", "> 0.9999"]
