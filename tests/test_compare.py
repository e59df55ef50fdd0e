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
    allowed = (r"holds, above all [12] random models tested \(too few to call it beyond random: use 8"
               r"(; 1 of 2 could not be tested)?\)|holds \(an algebraic identity, true for any model\)|"
               r"holds, but so (do|does) [012] of 2 random models(; every one scores higher)?(; 1 of 2 could not be tested)?|"
               r"holds \(none of the 2 random models could be tested the same way\)|"
               + claims.FAILS + "|" + claims.UNCHECKABLE)
    assert verdicts["verdict"].str.fullmatch(allowed).all(), set(verdicts["verdict"])
    checked = verdicts[(verdicts["verdict"] != claims.UNCHECKABLE) & ~verdicts["claim"].isin(nulls.IDENTITIES)]
    assert verdicts[verdicts["claim"] == "E12b"]["verdict"].str.contains("identity|does not hold").all()
    assert (checked["beyond_random"] == False).all()  # noqa: E712  two twins are too few to call anything
    # the share is over the twins that could be tested; where none could (nothing to remove), there is none
    assert checked["null_share"].dropna().between(0, 1).all() and checked["null_share"].notna().mean() > 0.5
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
    assert "caption labels shuffled" not in page  # no large architecture here, so no shuffled-caption null
    agreement = report.agreement(table, rankings)
    assert len(agreement) == 1 and 0 <= agreement["top-10 overlap of query rankings"].iloc[0] <= 1


def test_no_models_is_a_clear_error(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="at least one model"):
        compare.compare([" ", ""], tmp_path)


def test_random_weights_are_not_called_beyond_random(tmp_path, monkeypatch):
    """Eight random-weight models of one (small) architecture, each judged against eight others: a claim that
    says "holds, beyond random" for more than one of them would be calling chance learning."""
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    specs = []
    for seed in range(101, 109):
        training.export_model(training.build_model(seed, training.TINY_CONFIG), tmp_path / f"r{seed}",
                              config=training.TINY_CONFIG, name="random")
        specs.append(f"r{seed}=local-dir:{tmp_path / f'r{seed}'}")
    table, errors, _ = compare.run(specs, progress=False, null=8)
    assert not errors
    verdicts = table[table["measure"] == "verdict"]
    beyond = verdicts[verdicts["beyond_random"] == True].groupby("claim").size()  # noqa: E712
    # Under exchangeability a random model beats all 8 of its random twins with probability at most 1/9, so the
    # false-positive rate over every claim and seed must stay near that, and (the bar) no claim may call more
    # than 1 of the 8 seeds beyond random. Twins that could not be tested are left out, not counted as beaten.
    print("beyond random, per claim:", beyond.to_dict(), "of", len(verdicts), "verdicts")
    assert beyond.sum() <= len(verdicts) / 9, beyond.to_dict()
    assert (beyond <= 1).all(), beyond.to_dict()


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


def test_a_large_architecture_gets_8_twins_for_the_few_image_claims_and_2_for_the_corpus(tmp_path, monkeypatch):
    """Twins of a large architecture embed the corpus anew (ViT-B-32: ~45 s each here), so by default the claims
    on the corpus get 2 of them; the claims on a few images (E3–E7) still get 8, and those twins never embed it."""
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
    assert (verdicts.loc[list(compare.MODEL_CLAIMS), "null_models"] == nulls.NULL_MODELS).all()
    # the claims judged by captions: the model's own rankings against shuffled captions (199 draws, no re-embedding)
    captioned = verdicts.loc[["E8", "E9", "E10", "E12a"]]
    checked = captioned[captioned["status"] != claims.UNCHECKABLE]
    assert len(checked) and (checked["null"] == nulls.SHUFFLED).all() and (checked["null_models"] == nulls.SHUFFLES).all()
    assert not checked["verdict"].str.contains("random models").any()
    corpus_claims = [c for c in compare.CHECKS if c not in compare.MODEL_CLAIMS and c not in nulls.IDENTITIES
                     and c not in captioned.index]
    ran = verdicts.loc[corpus_claims]
    assert (ran[ran["status"] != claims.UNCHECKABLE]["null_models"] == nulls.LARGE_NULL_MODELS).all()
    # the model itself, then only two of its eight twins
    assert len(embedded) == 3 and embedded[1:] == ["random weights #1", "random weights #2"], embedded


def test_the_null_is_computed_once_per_architecture_and_kept_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    training.export_model(training.build_model(6, training.TINY_CONFIG), tmp_path / "tiny",
                          config=training.TINY_CONFIG, name="random")
    spec = [f"tiny=local-dir:{tmp_path / 'tiny'}"]
    first, _, _ = compare.run(spec, progress=False, null=3)
    files = sorted((tmp_path / "cache" / "nulls").glob("*.json"))
    assert [f.name.rsplit("-", 1)[1] for f in files] == ["1.json", "2.json", "3.json"]

    compare._NULL_RESULTS.clear()  # a new session: the twins are not even loaded
    loaded = []
    original = nulls.twin
    monkeypatch.setattr(nulls, "twin", lambda model, seed: loaded.append(seed) or original(model, seed))
    again, _, _ = compare.run(spec, progress=False, null=3)
    columns = ["claim", "verdict", "statistic", "null_share", "null_holds"]
    verdicts = [t[t["measure"] == "verdict"][columns].reset_index(drop=True) for t in (first, again)]
    pd.testing.assert_frame_equal(verdicts[0], verdicts[1])
    assert loaded == []

    files[1].write_text("{not json")  # a damaged file is computed again, and rewritten
    compare._NULL_RESULTS.clear()
    compare.run(spec, progress=False, null=3)
    assert loaded == [2] and json.loads(files[1].read_text())["E3"]["claim"] == "E3"
