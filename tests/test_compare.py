"""The cross-model report: every claim for every model, a failing model as a column with its error."""
import json

import pandas as pd

from clipnb import claims, compare, nulls, report
from clipnb_train import training
from clipnb.models import bundled_model_dir


def test_report_for_a_trained_a_random_and_a_missing_model(tmp_path):
    config = json.loads((bundled_model_dir("bundled:emoji") / "open_clip_config.json").read_text())["model_cfg"]
    training.export_model(training.build_model(1, config), tmp_path / "random", config=config, name="random")
    specs = ["bundled:emoji", f"local-dir:{tmp_path / 'random'}", "nope:nothing"]
    table, errors, rankings = compare.compare(specs, tmp_path / "out", progress=False, null=2)

    assert list(errors) == ["nope:nothing"] and "UnknownModelError" in errors["nope:nothing"]
    tidy = pd.read_csv(tmp_path / "out" / "claims.csv")
    assert list(tidy.columns)[:7] == ["claim", "model", "measure", "value", "verdict", "beyond_random", "null_share"]
    assert list(tidy.columns) == report.CSV_COLUMNS  # and what a reader needs without parsing the verdict's words
    verdicts = tidy[tidy["measure"] == "verdict"]
    assert set(verdicts["claim"]) == set(compare.CHECKS)
    allowed = (r"holds, but [12] random models cannot tell \(none reaches its statistic, yet the smallest p that [12] "
               r"allow is 1/[23] = 0.(33|5) > α = 0.05; it takes 19(; 1 of 2 could not be tested)?\)|"
               r"holds, not beyond random weights \(p ≥ 0.67 > α: the first of the 2 random models already reaches its "
               r"statistic, so the last was not run\)|"
               r"holds \(an algebraic identity, true for any model\)|"
               r"holds, not beyond random weights \(p = [0-9.]+ > α; [12] of 2 random models reach its statistic\)|"
               r"holds, beyond its control words \(p = [0-9.]+ ≤ α; \d+ of 40 control words reach its statistic\)|"
               r"holds, not beyond its control words \(p = [0-9.]+ > α; \d+ of 40 control words reach its statistic\)|"
               r"holds \(none of the [12] random models could be tested the same way\)|"
               + claims.FAILS + "|" + claims.UNCHECKABLE)
    assert verdicts["verdict"].str.fullmatch(allowed).all(), set(verdicts["verdict"])
    checked = verdicts[(verdicts["verdict"] != claims.UNCHECKABLE) & ~verdicts["claim"].isin(nulls.IDENTITIES)]
    assert verdicts[verdicts["claim"] == "E12b"]["verdict"].str.contains("identity|does not hold").all()
    randoms = checked[checked["null"] == nulls.RANDOM]
    assert (randoms["beyond_random"] == False).all()  # noqa: E712  two twins are too few to call anything
    # the share is over the draws that could be tested; where none could (nothing to remove), there is none
    assert checked["null_share"].dropna().between(0, 1).all()
    held = checked[checked["status"] == claims.HOLDS]
    assert held["null_share"].notna().all() and held["null_p"].between(0, 1).all()
    assert verdicts[verdicts["verdict"] == claims.UNCHECKABLE]["beyond_random"].isna().all()
    assert len(verdicts) == 2 * len(compare.CHECKS)  # the two models that loaded
    assert tidy[(tidy["claim"] == "load")]["model"].tolist() == ["nope:nothing"]
    # the numbers are real measurements: E3's cosines equal the model's own
    import clipnb

    model = clipnb.load_model("bundled:emoji")
    context = compare.Context.samples(model)
    cosine = float((model.encode_image(context.cat_images).numpy() @ model.encode_text(["a cat"]).numpy().T).mean())
    e3 = tidy[(tidy["claim"] == "E3") & (tidy["model"] == "bundled:emoji") & (tidy["measure"] == "a cat")]
    assert abs(e3["value"].iloc[0] - cosine) < 1e-5

    page = (tmp_path / "out" / "report.html").read_text()
    for claim_id in compare.CHECKS:
        assert f"<h2>{claim_id}:" in page
    assert claims.SPEAKER in page and "could not be loaded" in page and "Agreement between models" in page
    assert "Against the null" in page and "null: median" in page and "Statistic: <i>lead of" in page
    assert "Control words" in page and "α = 0.05" in page and "How many hold beyond their null" in page
    agreement = report.agreement(table, rankings)
    assert len(agreement) == 1 and 0 <= agreement["top-10 overlap of query rankings"].iloc[0] <= 1


def test_no_models_is_a_clear_error(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="at least one model"):
        compare.compare([" ", ""], tmp_path)


def _beyond_share(table) -> tuple[int, int]:
    verdicts = table[(table["measure"] == "verdict") & ~table["claim"].isin(nulls.IDENTITIES)]
    return int((verdicts["beyond_random"] == True).sum()), len(verdicts)  # noqa: E712


def test_the_nulls_are_calibrated_on_random_models_of_the_bundled_architecture(tmp_path, monkeypatch):
    """Random-weight models of the bundled architecture (RegNet image tower), through compare.run's default path:
    every null kind compare uses (random twins for E1, E3–E7, E13; control words for E8, E9, E10, E12a). Nothing
    such a model holds is learned, so a calibrated null calls at most α of the verdicts beyond, give or take
    sampling: the bound is α + 2 standard errors over every claim × seed (none left out; E12b is an identity)."""
    import numpy as np

    from clipnb.models import random_weights_dir

    monkeypatch.delenv("CLIPNB_NULL_MODELS", raising=False)  # the default count (19 twins, stopped early)
    specs = [f"r{seed}=local-dir:{random_weights_dir('bundled', seed)}" for seed in range(101, 107)]
    table, errors, _ = compare.run(specs, progress=False, null=None)
    assert not errors
    beyond, verdicts = _beyond_share(table)
    assert verdicts == len(specs) * (len(compare.CHECKS) - len(nulls.IDENTITIES))
    bound = claims.ALPHA + 2 * np.sqrt(claims.ALPHA * (1 - claims.ALPHA) / verdicts)
    rows = table[table["measure"] == "verdict"]
    print("beyond:", rows[rows["beyond_random"] == True][["model", "claim"]].values.tolist())  # noqa: E712
    assert beyond / verdicts <= bound, (beyond, verdicts, bound)
    assert set(rows[rows["status"] != claims.UNCHECKABLE]["null"]) >= {nulls.RANDOM}


def test_a_random_text_side_subtracts_nothing_beyond_its_control_words(tmp_path):
    """`bundled` with its text tower re-initialised: the image side is trained, so retrieval by image still works,
    but no word means anything. The subtraction claims and E12a must find no word beyond its controls."""
    import shutil

    from safetensors.torch import load_file, save_file

    from clipnb.models import random_weights_dir

    # the bundled folder (config, text tower files), its image tower trained, everything else a random twin's
    shutil.copytree(bundled_model_dir("bundled"), tmp_path / "random-text")
    trained = load_file(bundled_model_dir("bundled") / "open_clip_model.safetensors")
    fresh = load_file(random_weights_dir("bundled", 7) / "open_clip_model.safetensors")
    save_file({k: (v if k.startswith("visual.") else fresh[k]) for k, v in trained.items()},
              tmp_path / "random-text" / "open_clip_model.safetensors")
    table, errors, _ = compare.run([f"random-text=local-dir:{tmp_path / 'random-text'}"], progress=False, null=None)
    assert not errors
    verdicts = table[table["measure"] == "verdict"].set_index("claim")
    subtractions = verdicts.loc[["E8", "E9", "E10", "E12a"]]
    assert not (subtractions["beyond_random"] == True).any(), subtractions[["verdict"]]  # noqa: E712
    checked = subtractions[subtractions["status"] != claims.UNCHECKABLE]
    assert (checked["null"] == nulls.CONTROLS).all()


def test_a_collapsed_model_is_named_not_judged(tmp_path):
    """Random weights whose images all land on one point get 'cannot be checked here' with that number."""
    import torch

    config = training.TINY_CONFIG
    model = training.build_model(0, config)
    with torch.no_grad():
        model.visual.proj.mul_(0).add_(torch.randn_like(model.visual.proj) * 1e-3)
        model.visual.ln_post.bias.fill_(1.0)  # every image's features = the same bias, projected
        model.visual.ln_post.weight.fill_(0.0)
    training.export_model(model, tmp_path / "collapsed", config=config, name="collapsed")
    table, errors, _ = compare.run([f"collapsed=local-dir:{tmp_path / 'collapsed'}"], progress=False, null=0)
    verdicts = table[table["measure"] == "verdict"]
    assert (verdicts["verdict"] == claims.UNCHECKABLE).all()
    assert verdicts["reason"].str.contains("collapse to one point").all()


def test_a_skewed_and_base_pair_gets_b1_and_every_claim_says_what_it_was_tested_on(tmp_path):
    table, errors, _ = compare.compare(["bundled", "skewed=bundled:skewed"], tmp_path / "out", progress=False, null=0)
    verdicts = table[table["measure"] == "verdict"].set_index(["claim", "model"])
    assert not errors and ("B1", "skewed") in verdicts.index and ("B1", "bundled") not in verdicts.index
    b1 = verdicts.loc[("B1", "skewed")]
    assert 0 < b1["null_share"] <= 1 and f"p = {b1['null_share']:.4f}" in b1["reason"]
    assert b1["beyond_random"] == (b1["status"] == claims.HOLDS)
    written = pd.read_csv(tmp_path / "out" / "claims.csv", keep_default_na=False)
    row = written[(written["claim"] == "B1") & (written["measure"] == "verdict")].iloc[0]
    assert row["beyond_random"] == str(b1["status"] == claims.HOLDS).lower()  # true / false in claims.csv
    changes = table[(table["claim"] == "B1") & table["measure"].str.startswith("change ")]
    assert len(changes) == 15 and changes["value"].abs().max() > 0  # 5 skewed + 10 control professions
    assert verdicts["tested_on"].map(bool).all()
    assert verdicts.loc[("E6", "bundled"), "tested_on"].startswith("46 images of men and 46 of women")
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<h2>B1:" in page and page.count("<b>Tested on</b>") == len(compare.CHECKS) + 1


def test_a_large_architecture_gets_19_twins_for_the_few_image_claims_and_2_for_the_corpus(tmp_path, monkeypatch):
    """Twins of a large architecture embed the corpus anew (ViT-B-32: ~45 s each here), so by default the claims
    on the corpus get 2 of them; the claims on a few images (E3–E7) up to 19, and those twins never embed it. The
    subtractions are set against control words on the model itself, for any architecture."""
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CLIPNB_NULL_MODELS", raising=False)
    monkeypatch.setattr(nulls, "LARGE_PARAMETERS", 1_000)  # the tiny architecture counts as large here
    training.export_model(training.build_model(5, training.TINY_CONFIG), tmp_path / "tiny",
                          config=training.TINY_CONFIG, name="random")
    import clipnb

    embedded = []  # which models embed the sample corpus (the real from_folder runs; it is only watched)
    original = clipnb.ImageCorpus.from_folder.__func__
    monkeypatch.setattr(clipnb.ImageCorpus, "from_folder",
                        classmethod(lambda cls, folder, model, **kw: embedded.append(model.name) or
                                    original(cls, folder, model, **kw)))
    table, errors, _ = compare.run([f"tiny=local-dir:{tmp_path / 'tiny'}"], progress=False, null=None)
    verdicts = table[table["measure"] == "verdict"].set_index("claim")
    assert not errors
    few = verdicts.loc[list(compare.MODEL_CLAIMS)]
    held = few[few["status"] == claims.HOLDS]  # up to 19 twins, stopping at the first that reaches the statistic
    assert held["null_models"].between(1, nulls.NULL_MODELS).all()
    assert ((held["null_models"] == nulls.NULL_MODELS) | (held["null_share"] > 0)).all()
    assert (few[few["status"] != claims.HOLDS]["null_models"] == 0).all()  # what does not hold needs no null
    # the subtractions: this model's own rankings with control words subtracted in the claim's word's place
    captioned = verdicts.loc[["E8", "E9", "E10", "E12a"]]
    checked = captioned[captioned["status"] != claims.UNCHECKABLE]
    assert len(checked) and (checked["null"] == nulls.CONTROLS).all()
    assert (checked["null_models"] == len(nulls.CONTROL_WORDS)).all()
    assert not checked["verdict"].str.contains("random models").any()
    corpus_claims = [c for c in compare.CHECKS if c not in compare.MODEL_CLAIMS and c not in nulls.IDENTITIES
                     and c not in captioned.index]
    ran = verdicts.loc[corpus_claims]
    assert (ran[ran["status"] == claims.HOLDS]["null_models"] <= nulls.LARGE_NULL_MODELS).all()
    # the model itself, then at most two of its twins
    assert 1 <= len(embedded) <= 3 and embedded[1:] == ["random weights #1", "random weights #2"][:len(embedded) - 1]


def test_the_null_is_computed_once_per_architecture_and_kept_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    training.export_model(training.build_model(6, training.TINY_CONFIG), tmp_path / "tiny",
                          config=training.TINY_CONFIG, name="random")
    spec = [f"tiny=local-dir:{tmp_path / 'tiny'}"]
    first, _, _ = compare.run(spec, progress=False, null=3)
    files = sorted((tmp_path / "cache" / "nulls").glob("*.json"))
    seeds = [int(f.name.rsplit("-", 1)[1].removesuffix(".json")) for f in files]
    assert seeds and seeds == list(range(1, len(seeds) + 1)), seeds  # twins 1, 2, … until the verdicts are settled

    loaded = []  # a new session: the twins are not even loaded
    original = nulls.twin
    monkeypatch.setattr(nulls, "twin", lambda model, seed: loaded.append(seed) or original(model, seed))
    again, _, _ = compare.run(spec, progress=False, null=3)
    columns = ["claim", "verdict", "statistic", "null_share", "null_holds"]
    verdicts = [t[t["measure"] == "verdict"][columns].reset_index(drop=True) for t in (first, again)]
    pd.testing.assert_frame_equal(verdicts[0], verdicts[1])
    assert loaded == []

    kept = json.loads(files[0].read_text())
    files[0].write_text("{not json")  # a damaged file is computed again, and rewritten
    compare.run(spec, progress=False, null=3)
    assert loaded == [1] and json.loads(files[0].read_text()).keys() == kept.keys()
