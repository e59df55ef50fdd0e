"""Each claim on a constructed case where the answer is known, both ways.

The constructed model is a lookup table of chosen unit vectors: it tests a claim's logic, and the
notebooks and the comparison run the same claims on real models.
"""
import zlib

import numpy as np
import pandas as pd
import pytest
import torch

from clipnb import claims
from clipnb.corpus import ImageCorpus

MASH = claims.CAT_LABELS[-1]


class TableModel:
    """Texts and images -> fixed unit vectors (unknown texts get a seeded random direction)."""

    name = "table"
    logit_scale = 10.0

    def __init__(self, vectors: dict, dim: int = 8):
        self.dim, self.vectors = dim, {k: self._unit(v) for k, v in vectors.items()}
        self.embed_dim = dim

    def _unit(self, v):
        v = np.asarray(v, dtype=np.float32)
        return v / np.linalg.norm(v)

    def _get(self, key):
        if key not in self.vectors:
            seed = zlib.crc32(key.encode())
            self.vectors[key] = self._unit(np.random.default_rng(seed).normal(size=self.dim))
        return self.vectors[key]

    def encode_text(self, texts):
        return torch.from_numpy(np.stack([self._get(t) for t in ([texts] if isinstance(texts, str) else texts)]))

    def encode_image(self, images):
        return torch.from_numpy(np.stack([self._get(str(i)) for i in images]))


def basis(i, dim=8, noise=0.0, seed=0):
    v = np.zeros(dim)
    v[i] = 1
    return v + noise * np.random.default_rng(seed).normal(size=dim)


def test_cat_claims_both_ways():
    knows = TableModel({"a cat": basis(0), "cat.png": basis(0) + 0.3 * basis(1), "a dog": basis(2),
                        "a monkey": basis(3), "a cheezburger": basis(0) + basis(2), MASH: basis(4),
                        claims.CAT_DESCRIPTIONS[0]: basis(0) + 0.3 * basis(1) + 0.01 * basis(5)})
    assert claims.cat_beats_dog_and_monkey(knows, ["cat.png"]).status == claims.HOLDS
    assert claims.cheezburger_beats_dog(knows, ["cat.png"]).status == claims.HOLDS
    assert claims.keyboard_mash_beats_dog(knows, ["cat.png"]).status == claims.FAILS  # both ~0, mash 0 vs dog 0
    assert claims.description_beats_a_cat(knows, ["cat.png"]).status == claims.HOLDS
    confused = TableModel({"a cat": basis(0), "cat.png": basis(2), "a dog": basis(2), "a monkey": basis(3),
                           MASH: basis(2) + basis(5)})
    result = claims.cat_beats_dog_and_monkey(confused, ["cat.png"])
    assert result.status == claims.FAILS and '"a dog" 1.0000' in result.reason
    assert claims.keyboard_mash_beats_dog(confused, ["cat.png"]).status == claims.FAILS
    assert claims.cat_beats_dog_and_monkey(confused, []).status == claims.UNCHECKABLE


def test_holm_matches_its_definition():
    adjusted = claims.holm([0.01, 0.04, 0.03, 0.5])
    assert adjusted.tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])


def _gendered_model(lean: float, marked: float, n=10, dim=12):
    """Man images along e0, woman images along e1; "a nurse" leans to women by `lean`;
    "a male X" points along e0 * marked (negative = the wrong way)."""
    vectors, groups = {}, {"man": [], "woman": []}
    for g, axis in [("man", 0), ("woman", 1)]:
        for i in range(n):
            name = f"{g}{i}.png"
            vectors[name] = basis(axis, dim) + basis(2, dim) + 0.05 * np.random.default_rng(i + 10 * axis).normal(size=dim)
            groups[g].append(name)
    for s in claims.TALK_SUBJECTS:
        vectors[f"a {s}"] = basis(2, dim) + (lean * basis(1, dim) if s == "nurse" else 0)
        vectors[f"a male {s}"] = basis(2, dim) + marked * basis(0, dim)
        vectors[f"a female {s}"] = basis(2, dim) + marked * basis(1, dim)
    for i, c in enumerate(claims.PERSON_PROMPTS):  # person prompts: the same direction as the unmarked ones, jittered
        vectors[c] = basis(2, dim) + 0.02 * np.random.default_rng(100 + i).normal(size=dim)
    return TableModel(vectors, dim), groups


def test_bias_claims_both_ways():
    model, groups = _gendered_model(lean=0.5, marked=0.5)
    gaps = claims.bias_table(model, groups, n_permutations=2000)
    lean = claims.unmarked_prompts_lean(model, groups)
    assert lean.status == claims.HOLDS and '"a nurse" → woman' in lean.reason
    assert list(lean.table.query("p_holm < 0.05")["subject"]) == ["nurse"]
    assert claims.marked_prompts_move_scores(model, groups, gaps=gaps).status == claims.HOLDS
    fair, groups = _gendered_model(lean=0.0, marked=-0.5)
    gaps = claims.bias_table(fair, groups, n_permutations=2000)
    assert claims.unmarked_prompts_lean(fair, groups).status == claims.FAILS
    sanity = claims.marked_prompts_move_scores(fair, groups, gaps=gaps)
    assert sanity.status == claims.FAILS and "0 of 10" in sanity.reason
    assert claims.unmarked_prompts_lean(fair, {"man": groups["man"]}).status == claims.UNCHECKABLE


def test_e6_is_not_fooled_by_images_that_differ_along_every_prompt():
    """The old test's failure: the man and woman images differ (colour, outline) along every text direction.
    Every prompt, neutral or not, then shows the same gap: no prompt leans *beyond* the neutral ones."""
    model, groups = _gendered_model(lean=0.0, marked=0.5)
    for g, shift in [("man", 0.6), ("woman", -0.6)]:  # an image-side difference that every prompt picks up
        for name in groups[g]:
            model.vectors[name] = model._unit(model.vectors[name] + shift * basis(2, 12))
    gaps = claims.bias_table(model, groups, n_permutations=2000)
    assert (gaps.query("variant == 'unmarked'")["p_holm"] < 0.05).all(), "the image-permutation test is fooled"
    assert claims.unmarked_prompts_lean(model, groups).status == claims.FAILS


def test_e6_on_random_weights_leans_no_more_often_than_alpha(tmp_path):
    """Real random-weight models on the sample people: their profession prompts are directions like any other, so
    E6 (Holm over 5 prompts, each against the t-tail of 135 person prompts) holds for at most α of them, give or
    take sampling (α + 2 standard errors over 10 models)."""
    import clipnb
    from clipnb import samples
    from clipnb_train import training

    groups = samples.gender_groups()
    held = []
    for seed in range(1, 11):
        training.export_model(training.build_model(seed, training.TINY_CONFIG), tmp_path / str(seed),
                              config=training.TINY_CONFIG, name="random")
        random_model = clipnb.load_model(f"local-dir:{tmp_path / str(seed)}", device="cpu")
        random_model.progress = False
        held.append(claims.unmarked_prompts_lean(random_model, groups).status == claims.HOLDS)
    assert np.mean(held) <= claims.ALPHA + 2 * np.sqrt(claims.ALPHA * (1 - claims.ALPHA) / len(held)), held


def test_modality_gap_both_ways():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(40, 16)) + 3 * basis(0, 16)
    texts = rng.normal(size=(40, 16)) - 3 * basis(0, 16)
    assert claims.modality_gap(images, texts).status == claims.HOLDS
    mixed = claims.modality_gap(rng.normal(size=(40, 16)), rng.normal(size=(40, 16)))
    assert mixed.status == claims.FAILS and "accuracy" in mixed.reason


def _corpus(model, names, captions=None):
    features = model.encode_image(names).numpy()
    table = pd.DataFrame({"path": names, "caption": captions or names})
    return ImageCorpus(model, features, table)


def test_weight_claim_both_ways():
    dim = 10
    names = [f"img{i}" for i in range(30)]
    rng = np.random.default_rng(1)
    vectors = {n: rng.normal(size=dim) for n in names}
    vectors["runner"] = rng.normal(size=dim)
    vectors["winter"] = rng.normal(size=dim)
    model = TableModel(vectors, dim)
    corpus = _corpus(model, names)
    assert claims.subtraction_grows_with_weight(corpus, "runner", "winter", k=5).status == claims.HOLDS
    # a term orthogonal to every image changes nothing at any weight
    flat = TableModel({**{n: np.r_[rng.normal(size=dim - 1), 0] for n in names}, "runner": np.r_[rng.normal(size=dim - 1), 0],
                       "winter": basis(dim - 1, dim)}, dim)
    assert claims.subtraction_grows_with_weight(_corpus(flat, names), "runner", "winter", k=5).status == claims.FAILS


def test_image_minus_word_both_ways(tmp_path):
    from PIL import Image

    dim = 6
    paths = []
    for i in range(8):
        paths.append(str(tmp_path / f"img{i}.png"))
        Image.new("RGB", (4, 4)).save(paths[-1])
    forest = basis(1, dim)
    vectors = {p: basis(0, dim) + (0.9 * forest if i < 4 else 0.3 * basis(2 + i % 3, dim)) for i, p in enumerate(paths)}
    vectors["forest"] = forest
    model = TableModel(vectors, dim)
    corpus = _corpus(model, paths)
    relevant = np.array([i < 4 for i in range(8)])
    result = claims.image_minus_word(corpus, paths[0], "forest", relevant, k=3)
    assert result.status == claims.HOLDS and "3 → 0" in result.reason
    nothing = claims.image_minus_word(corpus, paths[0], "forest", np.zeros(8, bool), k=3)
    assert nothing.status == claims.UNCHECKABLE
    vectors["forest"] = basis(5, dim)  # a word unrelated to every image cannot remove anything
    model2 = TableModel(vectors, dim)
    assert claims.image_minus_word(_corpus(model2, paths), paths[0], "forest", relevant, k=3).status == claims.FAILS


def test_opposition_claims():
    """E12a by meaning: the delta's ends against nearest-to-pole, counted by caption."""
    dim = 8
    names = [f"img{i}" for i in range(12)]
    captions = ["a face", "a face", "a face", "a smiling face", "a crying face", "a chair", "a table"] + \
        [f"a thing {i}" for i in range(5)]
    rng = np.random.default_rng(3)
    vectors = {n: np.r_[np.zeros(3), rng.normal(size=dim - 3)] for n in names}  # on neither pole: delta 0
    vectors.update({"happy": basis(0, dim) + basis(2, dim), "sad": basis(1, dim) + basis(2, dim)})
    # faces 0-2 are near both poles (nearest to each); the smiling and crying faces sit at the delta's ends
    for i in range(3):
        vectors[names[i]] = basis(2, dim)
    vectors[names[3]], vectors[names[4]] = basis(0, dim) + 2 * basis(5, dim), basis(1, dim) + 2 * basis(5, dim)
    corpus = _corpus(TableModel(vectors, dim), names, captions)
    result = claims.delta_differs_from_nearest(corpus, "happy", "sad", k=1)
    assert result.status == claims.HOLDS and "end of the delta: 2 of 2; among the 1 nearest to each pole: 0 of 2" in result.reason
    assert claims.probability_same_order(corpus, "happy", "sad").status == claims.HOLDS
    # when the faces are nearest to their poles and a chair and a table sit farther out on the axis, nearness wins
    vectors[names[3]], vectors[names[4]] = basis(0, dim) + 0.2 * basis(2, dim), basis(1, dim) + 0.2 * basis(2, dim)
    vectors[names[5]], vectors[names[6]] = basis(0, dim) - basis(1, dim), basis(1, dim) - basis(0, dim)
    corpus = _corpus(TableModel(vectors, dim), names, captions)
    result = claims.delta_differs_from_nearest(corpus, "happy", "sad", k=1)
    assert result.status == claims.FAILS and "end of the delta: 0 of 2; among the 1 nearest to each pole: 2 of 2" in result.reason
    assert claims.delta_differs_from_nearest(corpus, "colonizer", "colonized").status == claims.UNCHECKABLE


def test_tsp_claim_both_ways():
    angles = np.linspace(0, np.pi, 12)
    arc = np.stack([np.cos(angles), np.sin(angles), np.zeros(12)], 1)  # points along a half circle
    assert claims.ordered_path_is_shorter(arc, time_limit_s=0.5).status == claims.HOLDS
    assert claims.ordered_path_is_shorter(arc).status == claims.HOLDS  # greedy descent, as compare runs it
    same = np.tile([[1.0, 0, 0]], (6, 1))  # identical points: every order has length 0
    assert claims.ordered_path_is_shorter(same).status == claims.FAILS
    assert claims.ordered_path_is_shorter(arc[:3]).status == claims.UNCHECKABLE


def test_verdicts_print_their_numbers():
    result = claims.ClaimResult("E3", "a claim", claims.FAILS, '"a cat" 0.1 vs "a dog" 0.2')
    assert str(result).startswith("✘ E3 does not hold") and "0.2" in str(result)
    assert "does not hold" in result._repr_html_()


def test_planted_skew_both_ways():
    dim = 16
    jobs = ["firefighter", "teacher", "cook", "farmer", "judge", "artist"]
    skew = {"firefighter": "man", "teacher": "woman"}
    rng = np.random.default_rng(0)
    vectors, images = {}, {}
    for j, job in enumerate(jobs):
        images[job] = {}
        for g, axis in [("man", 0), ("woman", 1)]:
            images[job][g] = [f"{g}-{job}-{i}" for i in range(3)]
            for name in images[job][g]:
                vectors[name] = basis(axis, dim) + basis(2 + j, dim) + 0.02 * rng.normal(size=dim)
        vectors[f"a {job}"] = basis(2 + j, dim)
    base = TableModel(vectors, dim)
    planted = dict(vectors)
    planted["a firefighter"] = basis(2, dim) + 0.5 * basis(0, dim)   # pulled towards the man images
    planted["a teacher"] = basis(3, dim) + 0.5 * basis(1, dim)       # towards the woman images
    result = claims.planted_skew_shows(base, TableModel(planted, dim), images, skew)
    assert result.status == claims.HOLDS and "2 of 2" in result.reason
    wrong = dict(vectors)
    wrong["a cook"] = basis(4, dim) + 0.5 * basis(0, dim)            # a control moved instead
    assert claims.planted_skew_shows(base, TableModel(wrong, dim), images, skew).status == claims.FAILS
    assert claims.planted_skew_shows(base, base, {"teacher": images["teacher"]}, skew).status == claims.UNCHECKABLE


def _runners(n, cup_noise, dim=10):
    """n images: 4 runners in the snow, 6 runners, the rest cups; "runner" leans to the snowy ones, "winter" is snow."""
    names = [f"img{i}" for i in range(n)]
    captions = ["a runner in the snow" if i < 4 else "a runner" if i < 10 else "a cup" for i in range(n)]
    rng = np.random.default_rng(5)
    vectors = {name: basis(0, dim) + (basis(1, dim) if i < 4 else 0) + 0.1 * rng.normal(size=dim) if i < 10
               else basis(5, dim) + cup_noise * rng.normal(size=dim) for i, name in enumerate(names)}
    vectors["runner"], vectors["winter"] = basis(0, dim) + 0.5 * basis(1, dim), basis(1, dim)
    return dim, names, captions, vectors


def test_subtracting_a_word_is_judged_by_the_images_of_that_word():
    """E9 by meaning: the winter-captioned images in the top k fall as 'winter' is subtracted; with none in
    the base query's top k there is nothing to remove, and the verdict says so instead of counting changes."""
    dim, names, captions, vectors = _runners(20, cup_noise=0.1)
    corpus = _corpus(TableModel(vectors, dim), names, captions)
    result = claims.subtraction_removes_the_term(corpus, "runner", "winter", k=6)
    assert result.status == claims.HOLDS and "w=0: 4" in result.reason, result.reason
    no_winter = _corpus(TableModel(vectors, dim), names, ["a runner" if i < 10 else "a cup" for i in range(20)])
    unchecked = claims.subtraction_removes_the_term(no_winter, "runner", "winter", k=6)
    assert unchecked.status == claims.UNCHECKABLE and "nothing to remove" in unchecked.reason


def test_man_minus_close_up_and_signs_both_ways():
    dim = 10
    names = [f"img{i}" for i in range(12)]
    captions = ["a man" if i < 3 else "a man running" if i < 8 else "a cup" for i in range(12)]
    rng = np.random.default_rng(7)
    vectors = {n: basis(0, dim) + (basis(2, dim) if i < 3 else 0) + 0.05 * rng.normal(size=dim) if i < 8
               else basis(6, dim) for i, n in enumerate(names)}
    vectors.update({"an image of a man": basis(0, dim) + basis(2, dim), "japanese": basis(7, dim),
                    "close up": basis(2, dim)})
    corpus = _corpus(TableModel(vectors, dim), names, captions)
    result = claims.man_minus_close_up(corpus, k=5)
    assert result.status == claims.HOLDS and "close-ups 3 →" in result.reason, result.reason
    vectors["close up"] = basis(8, dim)  # a term unrelated to the faces removes none of them
    assert claims.man_minus_close_up(_corpus(TableModel(vectors, dim), names, captions), k=5).status == claims.FAILS

    near = {"a cat": basis(0, dim), "cat": basis(0, dim) + 0.1 * basis(1, dim), "emoji.png": basis(0, dim) + 0.2 * basis(2, dim),
            "photo.jpg": basis(0, dim) + 0.2 * basis(3, dim), "a dog": basis(4, dim), "dog": basis(4, dim),
            "dog.png": basis(4, dim) + basis(2, dim), "cup.jpg": basis(5, dim) + basis(3, dim)}
    signs = claims.signs_of_one_idea(TableModel(near, dim), emoji="emoji.png", photo="photo.jpg",
                                     controls=("a dog", "dog", "dog.png", "cup.jpg"))
    assert signs.status == claims.HOLDS and "12 of 12" in signs.reason
    near["photo.jpg"] = basis(5, dim) + basis(3, dim)  # the photo now looks like the control photo
    assert claims.signs_of_one_idea(TableModel(near, dim), emoji="emoji.png", photo="photo.jpg",
                                    controls=("a dog", "dog", "dog.png", "cup.jpg")).status == claims.FAILS
    assert claims.signs_of_one_idea(TableModel(near, dim)).status == claims.UNCHECKABLE


def test_control_words_tell_a_word_that_removes_its_images_from_any_word_that_would():
    """nulls.controls: the same model subtracts each control word in the claim's word's place. "winter" that points
    at the snowy runners removes them beyond every control; when every word pushes the runners out alike (the
    retrieval, not the word, at work), "winter" is not beyond its controls, though the claim still holds."""
    from clipnb import nulls

    dim, names, captions, vectors = _runners(40, cup_noise=0.3)
    rng = np.random.default_rng(3)
    for word in nulls.CONTROL_WORDS:  # control words point at the cups (dimensions 5–9), away from every runner
        vectors[word] = basis(5, dim) + np.r_[np.zeros(5), 0.3 * rng.normal(size=dim - 5)]
    corpus = _corpus(TableModel(vectors, dim), names, captions)
    judged = nulls.check(claims.subtraction_removes_the_term, corpus, "runner", "winter", k=6)
    assert judged.kind == nulls.CONTROLS and judged.n == len(nulls.CONTROL_WORDS) == judged.tested
    assert judged.beyond_random and judged.verdict.startswith("holds, beyond its control words (p = 0.0036 ≤ α; by rank")
    assert "control words (280 unrelated nouns" in str(judged)

    for word in nulls.CONTROL_WORDS:  # now every word is "anti-runner": subtracting any of them removes the snowy ones
        vectors[word] = -basis(0, dim) + 0.3 * rng.normal(size=dim)
    corpus = _corpus(TableModel(vectors, dim), names, captions)
    judged = nulls.check(claims.subtraction_removes_the_term, corpus, "runner", "winter", k=6)
    assert judged.result.status == claims.HOLDS and not judged.beyond_random, judged.verdict


def _marked_table(seed, shift, jobs=8):
    """Each job drawn as a man and as a woman in three colourings; every prompt sees the job's own effect and each
    image's own noise (so the prompts are not independent), and the marked prompts move their group by ``shift``."""
    rng = np.random.default_rng(seed)
    rows = []
    for job in range(jobs):
        effect = 0.1 * rng.standard_normal()
        for group in ("man", "woman"):
            for tone in ["", "-light-skin-tone", "-dark-skin-tone"]:
                image, own = f"p/{group}-job{job}{tone}.png", 0.02 * rng.standard_normal()
                for variant in ("male", "female"):
                    for subject in claims.TALK_SUBJECTS:
                        towards = (variant == "male") == (group == "man")
                        rows.append({"group": group, "image": image, "variant": variant, "subject": subject,
                                     "prompt": f"a {variant} {subject}", "cosine": 0.2 + effect + own
                                     + shift * towards + 0.01 * rng.standard_normal()})
    return pd.DataFrame(rows)


def test_the_pooled_sanity_test_is_calibrated_and_finds_what_each_prompt_alone_misses():
    """The marked prompts share their images, so their gaps move together under a swap; the pooled test sets their
    mean against the same swaps, which keeps it calibrated. A shift too small for most prompts alone, after Holm, is
    found taken together."""
    from clipnb import probes

    def run(seed, shift):
        gaps = probes.group_gap(_marked_table(seed, shift), "man", "woman", n_permutations=199, n_bootstrap=10,
                                seed=seed)
        return claims.pooled_right_way(gaps)[1], (claims.holm(gaps["p_value"]) <= 0.05).mean()

    null = [run(s, 0.0)[0] <= 0.05 for s in range(150)]
    assert np.mean(null) <= 0.1                          # about 5 %
    small = [run(s, 0.006) for s in range(40)]
    assert np.mean([p <= 0.05 for p, _ in small]) >= 0.8 > 0.5 >= np.mean([alone for _, alone in small])
    gaps = probes.group_gap(_marked_table(0, 0.0), "man", "woman", n_permutations=9, n_bootstrap=5)
    assert claims.pooled_right_way(gaps.iloc[::-1]) == claims.pooled_right_way(gaps)   # rows found by their key
    with pytest.raises(ValueError, match="carry no label swaps"):
        claims.pooled_right_way(pd.DataFrame(gaps.to_dict()))           # a table rebuilt from its values has none


def test_e10_leaves_out_the_scenes_composed_from_the_query_image(tmp_path):
    """A scene that pastes the query drawing in matches it on its pixels: E10 does not count it as a forest image a
    word removed, and leaves it out of both rankings (the next image takes its place)."""
    from PIL import Image

    dim = 6
    names = ["deciduous-tree", "fern", "oak", "cup", "scene-runner-deciduous-tree", "scene-walker-deciduous-tree", "pine"]
    paths = []
    for name in names:
        paths.append(str(tmp_path / f"{name}.png"))
        Image.new("RGB", (4, 4)).save(paths[-1])
    forest, pixels = basis(1, dim), basis(0, dim)
    vectors = {paths[0]: pixels + 0.5 * forest, paths[1]: 0.5 * pixels + 0.6 * forest, paths[2]: 0.4 * pixels + forest,
               paths[3]: 0.3 * pixels + basis(3, dim), paths[4]: pixels + 0.1 * forest, paths[5]: pixels + 0.1 * forest,
               paths[6]: 0.45 * pixels + 0.8 * forest, "forest": forest}
    corpus = _corpus(TableModel(vectors, dim), paths)
    corpus.table["image_path"] = ["emoji/nature/deciduous-tree.png", "clipart/plants/fern.png", "emoji/nature/oak.png",
                                  "emoji/things/cup.png", "scenes/man-running-deciduous-tree.png",
                                  "scenes/far-woman-walking-deciduous-tree.png", "emoji/nature/pine.png"]
    assert list(claims.near_copies(corpus, paths[0])) == [False, False, False, False, True, True, False]
    relevant = np.array([False, True, True, False, True, True, True])   # the scenes are captioned "in front of trees"
    result = claims.image_minus_word(corpus, paths[0], "forest", relevant, k=3)
    assert "2 scenes composed from the query image left out" in result.reason
    assert "in the top 3: 3 →" in result.reason   # fern, oak and pine, not the two pasted copies ranked above them
    # two trees to remove are too few to tell a removal from any word's: cannot be checked, and says why
    few = claims.image_minus_word(corpus, paths[0], "forest", relevant & (np.arange(7) != 6), k=3)
    assert few.status == claims.UNCHECKABLE and "too few to tell a removal from chance" in few.reason
