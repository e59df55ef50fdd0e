"""Zero-shot, probes and opposition on inputs with known answers."""
import numpy as np
import pandas as pd
import pytest

import clipnb
from clipnb import geometry, opposition, probes, zeroshot


def test_softmax():
    p = zeroshot.softmax(np.array([[0.09, 0.77, 0.14, 0.12]]))
    assert abs(float(p[0, 1]) - 0.3905) < 2e-4  # seed 004 rounds its exponentials; exactly 0.39043
    assert np.allclose(p.sum(1), 1)


def test_classification_recovers_the_image_itself(model):
    """An image's own caption must beat captions of very different images, in both the raw and softmax views."""
    photos = clipnb.samples_dir() / "photos"
    images = [photos / "chelsea.jpg", photos / "coffee.jpg"]
    features = model.encode_image(images).numpy()
    # labels given as embeddings of the images themselves: each image is nearest to itself (cosine 1)
    table = pd.DataFrame(features @ features.T)
    assert np.allclose(np.diag(table), 1, atol=1e-5)
    result = zeroshot.classify(model, images, ["a cat", "a cup of coffee", "a rocket"])
    sims = zeroshot.similarity_table(model, images, ["a cat", "a cup of coffee", "a rocket"])
    assert list(result["label"]) == list(sims.idxmax(axis=1))
    probs = zeroshot.probabilities(model, images, ["a cat", "a cup of coffee", "a rocket"])
    assert np.allclose(probs.sum(axis=1), 1)
    assert list(probs.idxmax(axis=1)) == list(result["label"])
    assert (result["margin"] >= 0).all()


def test_template_ensemble_is_mean_of_prompts(model):
    templates = ["a photo of a {}.", "a drawing of a {}."]
    got = zeroshot.label_features(model, ["cat"], templates)[0]
    manual = model.encode_text(["a photo of a cat.", "a drawing of a cat."]).numpy().mean(0)
    assert np.allclose(got, manual / np.linalg.norm(manual), atol=1e-6)


@pytest.mark.parametrize("labels, error, message", [
    ("a cat", TypeError, "list of strings"), ([], TypeError, "list of strings"),
    (["a", "a"], ValueError, "duplicates"),
])
def test_bad_labels(model, labels, error, message):
    with pytest.raises(error, match=message):
        zeroshot.classify(model, [clipnb.samples_dir() / "photos" / "chelsea.jpg"], labels)


def test_bad_templates(model):
    with pytest.raises(ValueError, match="'{}'"):
        zeroshot.label_features(model, ["cat"], ["a photo of a cat"])


def _constructed_table(gap, n=12, noise=0.01, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for group, shift in (("a", gap), ("b", 0.0)):
        for i in range(n):
            rows.append({"group": group, "image": f"{group}{i}", "variant": "unmarked", "subject": "x",
                         "prompt": "a x", "cosine": 0.2 + shift + noise * rng.standard_normal()})
    return pd.DataFrame(rows)


def test_group_gap_detects_a_real_gap_and_not_noise():
    real = probes.group_gap(_constructed_table(gap=0.05), "a", "b", n_permutations=999)
    assert real["gap"].iloc[0] == pytest.approx(0.05, abs=0.01)
    assert real["p_value"].iloc[0] < 0.01 and real["ci_low"].iloc[0] > 0
    none = probes.group_gap(_constructed_table(gap=0.0), "a", "b", n_permutations=999)
    assert none["p_value"].iloc[0] > 0.05 and none["ci_low"].iloc[0] < 0 < none["ci_high"].iloc[0]


def test_probe_is_tidy_and_matches_by_hand(model):
    photos = clipnb.samples_dir() / "photos"
    table = probes.probe(model, {"cat": [photos / "chelsea.jpg"], "cup": [photos / "coffee.jpg"]}, ["doctor", "nurse"])
    assert len(table) == 2 * 2 * 3
    row = table[(table["group"] == "cat") & (table["prompt"] == "a female nurse")]
    expected = float(model.encode_image([photos / "chelsea.jpg"])[0] @ model.encode_text(["a female nurse"])[0])
    assert row["cosine"].iloc[0] == pytest.approx(expected, abs=1e-6)
    means = probes.group_means(table)
    assert list(means.columns) == ["doctor", "nurse"]
    with pytest.raises(ValueError, match="no group 'dog'"):
        probes.group_gap(table, "cat", "dog")
    with pytest.raises(ValueError, match="'{}'"):
        probes.probe(model, {"cat": [photos / "chelsea.jpg"]}, ["x"], {"bad": "no placeholder"})


def test_groups_from_folder(tmp_path):
    import shutil

    for g in ("a", "b"):
        (tmp_path / g).mkdir()
        shutil.copy(clipnb.samples_dir() / "photos" / "chelsea.jpg", tmp_path / g / "x.jpg")
    assert list(probes.groups_from_folder(tmp_path)) == ["a", "b"]
    with pytest.raises(ValueError, match="at least two subfolders"):
        probes.groups_from_folder(tmp_path / "a")


def test_opposition_orders_agree_for_single_prompts(model, cache):
    corpus = clipnb.sample_corpus(model, cache=cache)
    orders = {m: list(opposition.rank(corpus, "happy", "sad", m)["path"]) for m in opposition.METHODS}
    assert orders["delta"] == orders["axis"]
    table = opposition.opposition_table(corpus, "happy", "sad")
    assert np.allclose(table["probability"], 1 / (1 + np.exp(-model.logit_scale * table["delta"])), atol=1e-5)
    with pytest.raises(ValueError, match="the same"):
        opposition.rank(corpus, "happy", "happy")
    with pytest.raises(ValueError, match="method must be one of"):
        opposition.rank(corpus, "happy", "sad", "vibes")


def test_null_spread_puts_an_axis_among_random_pairs(model, cache):
    corpus = clipnb.sample_corpus(model, cache=cache)
    vocabulary = ["table", "river", "green", "music", "paper", "window"]
    real, spreads, share = opposition.null_spread(corpus, "table", "river", vocabulary, n_pairs=50)
    assert len(spreads) == 50 and 0 <= share <= 1 and real > 0
    # along the unit axis the same spread is divided by the poles' distance |a − b|
    along, axis_spreads, _ = opposition.null_spread(corpus, "table", "river", vocabulary, n_pairs=50, method="axis")
    a, b = model.encode_text(["table", "river"]).numpy()
    assert along == pytest.approx(real / np.linalg.norm(a - b), rel=1e-4) and len(axis_spreads) == 50
    with pytest.raises(ValueError, match="method must be 'delta' or 'axis'"):
        opposition.null_spread(corpus, "table", "river", vocabulary, method="probability")


def test_geometry_basics():
    a = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert np.allclose(geometry.cosine_similarity(a, a), np.eye(2))
    assert np.allclose(geometry.angle_degrees(a[:1], a[1:]), 90)
    gap = geometry.modality_gap(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 1.0]]))
    assert gap["centroid distance"] == pytest.approx(np.sqrt(2))
    assert gap["mean cosine image-text"] == pytest.approx(0)
    with pytest.raises(ValueError, match="different lengths"):
        geometry.cosine_similarity(np.ones((1, 3)), np.ones((1, 4)))


def test_drawing_takes_only_the_skin_tone_out_of_a_name():
    assert probes.drawing("e/man-teacher-medium-light-skin-tone.png") == "e/man-teacher.png"
    assert probes.drawing("e/man-teacher-dark-skin-tone.png") == probes.drawing("e/man-teacher.png")
    assert probes.drawing("dark-skin-tone/a.png") == "dark-skin-tone/a.png"   # a folder's name is not a colouring
    assert probes.drawing("woman/1.jpg") != probes.drawing("man/1.jpg")


def test_tone_matched_keeps_the_colourings_both_drawings_have():
    groups = {"man": ["e/man-cook.png", "e/man-cook-dark-skin-tone.png", "e/man-cook-light-skin-tone.png",
                      "e/man-pilot-dark-skin-tone.png", "own/m1.jpg"],
              "woman": ["e/woman-cook.png", "e/woman-cook-light-skin-tone.png", "e/woman-cook-medium-skin-tone.png",
                        "e/woman-pilot-light-skin-tone.png", "own/w1.jpg"]}
    matched = probes.tone_matched(groups)
    # the cook in yellow and in light, on both sides; the pilot's colourings differ, so none stays; unpaired stay
    assert matched == {"man": ["e/man-cook.png", "e/man-cook-light-skin-tone.png", "own/m1.jpg"],
                       "woman": ["e/woman-cook.png", "e/woman-cook-light-skin-tone.png", "own/w1.jpg"]}
    assert probes.tone_matched(matched) == matched   # matching twice changes nothing


def _drawn_table(seed, drawings=5, colourings=3):
    """No group gap, but each drawing's colourings share one large drawing effect: the images are not independent."""
    rng = np.random.default_rng(seed)
    rows = []
    for group in ("a", "b"):
        for d in range(drawings):
            effect = 0.1 * rng.standard_normal()
            for tone in ["", "-light-skin-tone", "-dark-skin-tone"][:colourings]:
                rows.append({"group": group, "image": f"{group}/d{d}{tone}.png", "variant": "unmarked", "subject": "x",
                             "prompt": "a x", "cosine": 0.2 + effect + 0.005 * rng.standard_normal()})
    return pd.DataFrame(rows)


def test_shuffling_drawings_keeps_p_calibrated_where_shuffling_images_does_not():
    # 200 datasets with no gap: a calibrated test puts about 5 % of its p at or below 0.05
    rates = {unit: np.mean([probes.group_gap(_drawn_table(s), "a", "b", n_permutations=199, n_bootstrap=20,
                                             seed=s, unit=unit)["p_value"].iloc[0] <= 0.05 for s in range(200)])
             for unit in (probes.drawing, None)}
    assert rates[probes.drawing] <= 0.09          # 5 %, within noise of 200 draws
    assert rates[None] >= 0.15                    # images counted as independent: far too many p ≤ 0.05
    gaps = probes.group_gap(_drawn_table(0), "a", "b", n_permutations=99, n_bootstrap=20)
    assert (gaps["n a"].iloc[0], gaps["drawings a"].iloc[0]) == (15, 5)


def test_counterpart_pairs_one_drawing_of_a_man_with_the_same_of_a_woman():
    assert probes.counterpart("e/professions/man-teacher-dark-skin-tone.png") == probes.counterpart(
        "e/professions/woman-teacher.png")
    assert probes.counterpart("e/people/man.png") == probes.counterpart("e/people/woman.png")
    assert probes.counterpart("man/1.jpg") != probes.counterpart("woman/1.jpg")   # a folder per group pairs nothing


def _paired_table(seed, shift, jobs=8):
    """Each job drawn as a man and as a woman in three colourings; the job moves both a lot, the gender by ``shift``."""
    rng = np.random.default_rng(seed)
    rows = []
    for job in range(jobs):
        effect = 0.1 * rng.standard_normal()
        for group, g_shift in (("man", shift), ("woman", 0.0)):
            for tone in ["", "-light-skin-tone", "-dark-skin-tone"]:
                rows.append({"group": group, "image": f"p/{group}-job{job}{tone}.png", "variant": "unmarked",
                             "subject": "x", "prompt": "a x",
                             "cosine": 0.2 + effect + g_shift + 0.01 * rng.standard_normal()})
    return pd.DataFrame(rows)


def test_pairing_the_drawings_finds_a_gap_the_professions_hide_and_stays_calibrated():
    def rate(shift, pair):
        return np.mean([probes.group_gap(_paired_table(s, shift), "man", "woman", n_permutations=199, n_bootstrap=20,
                                         seed=s, pair=pair)["p_value"].iloc[0] <= 0.05 for s in range(150)])

    assert rate(0.0, probes.counterpart) <= 0.1                      # no gap: about 5 %
    assert rate(0.03, probes.counterpart) >= 0.8 > 0.3 >= rate(0.03, None)   # a small gap: paired finds it
    gaps = probes.group_gap(_paired_table(0, 0.03), "man", "woman", n_permutations=99, n_bootstrap=20)
    assert gaps["matched pairs"].iloc[0] == 8 and gaps["ci_low"].iloc[0] > 0


def test_tone_shift_reads_darkness_within_each_emoji_and_either_way():
    """06's skin-tone test: a word whose subtraction adds a "dark" direction lifts each emoji's darker colourings over
    its lighter ones (+1), the opposite word the lighter (−1); the yellow colouring, and an emoji drawn in one tone
    only, are left out. Each emoji sits elsewhere in the space, so only the within-emoji comparison can read tone."""
    rng = np.random.default_rng(0)
    dark, base = np.eye(16)[0], np.eye(16)[1]
    paths, rows = [], []
    for k, tones in enumerate([("light", "dark", "medium"), ("medium-light", "medium-dark"), ("dark",)]):
        place = rng.normal(size=16) * 0.3   # each emoji's own spot
        paths.append(f"e/emoji{k}.png")   # its yellow colouring: no tone
        rows.append(place + base)
        for tone in tones:
            paths.append(f"e/emoji{k}-{tone}-skin-tone.png")
            rows.append(place + base + 0.2 * probes.tone_level(paths[-1]) * dark)
    features = np.array(rows) / np.linalg.norm(rows, axis=1, keepdims=True)
    words = np.array([-dark, dark])   # base − (−dark) adds darkness; base − dark takes it away
    r, images, emoji = probes.tone_shift(features, paths, base, words)
    assert (images, emoji) == (5, 2)   # the yellow ones and the one-tone emoji2 are left out
    assert r[0] > 0.9 and r[1] < -0.9
    assert probes.tone_level("e/x-medium-dark-skin-tone.png") == 4 and probes.tone_level("e/x.png") is None
