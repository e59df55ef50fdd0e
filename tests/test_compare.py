"""The cross-model report: every claim for every model, a failing model as a column with its error."""
import json
import re

import pandas as pd
import pytest

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
    corrected = r"(; after Holm's correction over this model's \d+ claims, p = [0-9.e-]+: (not )?beyond after correction)?"
    allowed = (r"(holds, but [12] random models cannot tell \(none reaches its statistic, yet the smallest p that [12] "
               r"allow is 1/[23] = 0.(33|5) > α = 0.05; it takes 8 to estimate how far beyond them it lies, or 19 to rank "
               r"it(; 1 of 2 could not be tested)?\)|"
               r"holds, not beyond random weights \(p = [0-9.]+ > α; by rank: [12] of 2 random models reach its "
               r"statistic(, \d of them tied with it)?; no tail estimated: 2 draws are too few \(it takes 8\)\)|"
               r"holds, (not )?beyond its control words \(p = [0-9.e-]+ (≤|>) α; by rank: \d+ of 280 control words reach "
               r"its statistic(, \d+ of them tied with it)?\)|"
               r"holds \(none of the [12] random models could be tested the same way\))" + corrected + "|"
               r"holds \(an algebraic identity, true for any model\)|" + claims.FAILS + "|" + claims.UNCHECKABLE)
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
    assert "Against the null" in page and "null: SD" in page and "p after Holm" in page and "Statistic: <i>lead of" in page
    assert "Control words" in page and "α = 0.05" in page and "How many hold beyond their null" in page
    assert "<i>t-tail</i>" in page and "beyond after correction" in page
    part = report.report_html(table, errors, rankings, specs, fragment=True)   # inside a notebook: restyles nothing else
    assert part.startswith("<div class='clipnb-report'>") and part.endswith("</div>") and "<body" not in part
    css = part.split("<style>", 1)[1].split("</style>", 1)[0]
    selectors = [sel.strip() for group in re.findall(r"([^{}]+)\{", css) for sel in group.split(",")]
    assert selectors and all(sel.startswith(".clipnb-report ") for sel in selectors), selectors
    # the table's marks, rendered from the same fields as each verdict's short form, lead with the same sign
    marks = [report.mark(row) for _, row in verdicts.iterrows()]
    assert [m[0] for m in marks] == [s[0] for s in verdicts["short"]], list(zip(marks, verdicts["short"]))
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
    """Random-weight models of the bundled architecture, through compare.run's default path: every null kind compare
    uses (19 random twins and their t-tail for E1, E3–E7, E13; 280 control words for E8, E9, E10, E12a). Nothing
    such a model holds is learned, so a calibrated null calls at most α of the verdicts beyond, and Holm's
    correction leaves a survivor in at most α of the models, give or take sampling: each bound is α + 2 standard
    errors (over every claim × model before the correction, over the models after it)."""
    from clipnb.models import random_weights_dir

    monkeypatch.delenv("CLIPNB_NULL_MODELS", raising=False)  # the default count: 19 twins
    specs = [f"r{seed}=local-dir:{random_weights_dir('bundled', seed)}" for seed in range(101, 107)]
    table, errors, _ = compare.run(specs, progress=False, null=None)
    assert not errors
    beyond, verdicts = _beyond_share(table)
    assert verdicts == len(specs) * (len(compare.CHECKS) - len(nulls.IDENTITIES))
    rows = table[table["measure"] == "verdict"]
    print("beyond:", rows[rows["beyond_random"] == True][["model", "claim", "verdict"]].values.tolist())  # noqa: E712
    assert beyond / verdicts <= _bound(verdicts), (beyond, verdicts)
    survivors = rows[rows["beyond_corrected"] == True].groupby("model").size()  # noqa: E712
    assert len(survivors) / len(specs) <= _bound(len(specs)), survivors
    assert set(rows[rows["status"] != claims.UNCHECKABLE]["null"]) >= {nulls.RANDOM}
    assert rows["p_holm"].notna().sum() >= len(specs)  # the correction ran on every model


def _bound(n):
    import numpy as np

    return claims.ALPHA + 2 * np.sqrt(claims.ALPHA * (1 - claims.ALPHA) / n)


def _twin_statistics(count=20, kind=nulls.RANDOM):
    """{claim: [statistic of twin 1, …, twin count]} on the sample corpus, for every claim random twins run (``kind``
    HEADS: the bundled networks with random heads)."""
    import clipnb

    model = clipnb.load_model("bundled", device="cpu")
    results = compare.null_results(model, compare.Context.samples, count, kind=kind)
    return {c: [nulls.statistic(r[c]) for r in results] for c in compare.TWIN_CLAIMS}


@pytest.mark.parametrize("kind", [nulls.RANDOM, nulls.HEADS])
def test_the_t_tail_is_calibrated_where_holm_acts_leaving_one_twin_out(kind):
    """Where Holm acts, at α/m: each of 20 random twins of the bundled architecture (random weights; or the bundled
    networks with random heads), its p computed against the other 19 exactly as a model's is (t-tail where their
    statistics pass its checks, else rank), falls below α/m about α/m of the time. Over 9 claims × 20 twins, α/13
    expects 0.7; more than 3 would happen by chance 1 time in 200."""
    import numpy as np
    from scipy import stats

    from clipnb.pvalues import null_p

    statistics = _twin_statistics(20, kind)
    p, methods = [], {}
    for claim_id, values in statistics.items():
        for i in range(len(values)):
            if values[i] is None:
                continue
            result = null_p(values[i], [v for j, v in enumerate(values) if j != i and v is not None])
            p.append(result.p)
            methods.setdefault(claim_id, set()).add(result.method)
    p = np.array(p)
    m = len(compare.CHECKS) - len(nulls.IDENTITIES)
    print({c: sorted(v) for c, v in methods.items()}, "below α/m:", int((p <= claims.ALPHA / m).sum()), "of", len(p))
    assert len(p) >= 150
    assert (p <= claims.ALPHA / m).sum() <= stats.binom.ppf(0.995, len(p), claims.ALPHA / m)
    assert (p <= claims.ALPHA).mean() <= _bound(len(p))
    assert sum(nulls.TAIL in v for v in methods.values()) >= 5  # the tail is what most claims use


def test_the_twins_are_one_population_not_a_mixture_of_collapsed_and_working_ones():
    """The t-tail assumes the twins' statistics come from one distribution. A twin whose embeddings collapsed would
    sit apart from the rest: every twin's mean image cosine on the probe images is below DEGENERATE_COSINE and
    within a narrow band of the others'."""
    import numpy as np

    import clipnb

    model = clipnb.load_model("bundled", device="cpu")
    collapse = np.array([compare.collapse(nulls.twin(model, seed))[0] for seed in range(1, 21)])
    print("twins' mean image cosine:", collapse.round(3))
    assert (collapse < claims.DEGENERATE_COSINE).all()
    assert collapse.max() - collapse.min() < 0.05 and np.abs(collapse - np.median(collapse)).max() < 6 * collapse.std()


def test_a_planted_effect_is_found_after_the_correction(tmp_path, monkeypatch):
    """Power: a random model of the bundled architecture with "a cat" planted into its image head (a rank-one change
    that moves images whose hidden features look like the cat images' towards the text "a cat"). E3 must come out
    beyond random weights after Holm's correction over the model's claims; the model is otherwise random."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    import clipnb
    from clipnb import samples
    from clipnb.models import random_weights_dir

    monkeypatch.delenv("CLIPNB_NULL_MODELS", raising=False)
    folder = tmp_path / "planted"
    shutil.copytree(random_weights_dir("bundled", 301), folder)
    random_model = clipnb.load_model(f"local-dir:{folder}", device="cpu")
    hidden = []
    hook = random_model.model.visual.head.mlp.fc2.register_forward_hook(lambda mod, x, y: hidden.append(x[0]))
    random_model.encode_image(samples.cat_images())
    hook.remove()
    mean = torch.cat(hidden).float().mean(0)  # the cat images' mean hidden features
    cat = random_model.encode_text(["a cat"])[0].float()
    weights = load_file(folder / "open_clip_model.safetensors")
    fc2 = weights["visual.head.mlp.fc2.weight"]
    # W + s·cat·meanᵀ/|mean|: the mean cat image's output gains s·|mean|·cat, as large as what it had
    scale = (fc2.float() @ mean).norm() / mean.norm()
    weights["visual.head.mlp.fc2.weight"] = (fc2.float() + scale * torch.outer(cat, mean / mean.norm())).to(fc2.dtype)
    save_file(weights, folder / "open_clip_model.safetensors")
    table, errors, _ = compare.run([f"planted=local-dir:{folder}"], progress=False, null=None)
    assert not errors
    e3 = table[(table["measure"] == "verdict") & (table["claim"] == "E3")].iloc[0]
    print(e3["verdict"])
    assert e3["beyond_corrected"] is True or e3["beyond_corrected"] == True, e3["verdict"]  # noqa: E712


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
    held = subtractions[subtractions["status"] == claims.HOLDS]   # only a claim that holds is set against its null
    assert (held["null"] == nulls.CONTROLS).all()
    assert (subtractions.loc[subtractions["status"] != claims.HOLDS, "null_tested"].fillna(0) == 0).all()


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
    held = checked[checked["status"] == claims.HOLDS]   # only a claim that holds is set against its null
    assert (held["null"] == nulls.CONTROLS).all()
    assert (held["null_models"] == len(nulls.CONTROL_WORDS)).all()
    assert (checked[checked["status"] != claims.HOLDS]["null_models"] == 0).all()
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
    monkeypatch.setattr(nulls, "twin", lambda model, seed, kind=None: loaded.append(seed) or original(model, seed, kind))
    again, _, _ = compare.run(spec, progress=False, null=3)
    columns = ["claim", "verdict", "statistic", "null_share", "null_holds"]
    verdicts = [t[t["measure"] == "verdict"][columns].reset_index(drop=True) for t in (first, again)]
    pd.testing.assert_frame_equal(verdicts[0], verdicts[1])
    assert loaded == []

    kept = json.loads(files[0].read_text())
    files[0].write_text("{not json")  # a damaged file is computed again, and rewritten
    compare.run(spec, progress=False, null=3)
    assert loaded == [1] and json.loads(files[0].read_text()).keys() == kept.keys()


def test_whether_a_copy_has_the_bundled_networks_is_read_afresh_once_its_file_changes(tmp_path):
    """has_bundled_networks remembers its comparison per file as it stands: a copy of bundled has them; the same copy
    with one network tensor changed (rewritten in place) has not, though the answer before was kept."""
    import shutil

    from safetensors.torch import load_file, save_file

    from clipnb.models import HEAD_PREFIXES, bundled_model_dir, has_bundled_networks

    copy = tmp_path / "copy"
    shutil.copytree(bundled_model_dir("bundled"), copy)
    assert has_bundled_networks(f"local-dir:{copy}")
    weights = load_file(copy / "open_clip_model.safetensors")
    network = next(k for k in weights if not k.startswith(HEAD_PREFIXES) and weights[k].is_floating_point())
    weights[network] = weights[network] + 1
    save_file(weights, copy / "open_clip_model.safetensors")
    assert not has_bundled_networks(f"local-dir:{copy}")


def test_the_heads_null_runs_the_bundled_networks_with_random_heads_and_only_for_models_that_have_them():
    """heads_check sets bundled's claims against copies of it with random heads: each draw is the claim run on
    models.random_heads_dir(seed) loaded by hand, not a random-weight twin's number, and the verdicts say so. A model
    without the bundled networks gets a clear error instead."""
    import clipnb
    from clipnb.models import has_bundled_networks, random_heads_dir

    assert has_bundled_networks("bundled") and has_bundled_networks("bundled:skewed")   # a fine-tune of its heads
    assert not has_bundled_networks("bundled:emoji") and not has_bundled_networks("random:bundled")
    with pytest.raises(ValueError, match="no random-heads null"):
        compare.heads_check("bundled:emoji", n=2)

    heads = compare.heads_check("bundled", n=2)
    assert set(heads) == set(compare.TWIN_CLAIMS)
    model = clipnb.load_model("bundled", device="cpu")
    twins = compare.null_results(model, compare.Context.samples, 2)   # random weights, seeds 1 and 2
    for seed in (1, 2):
        by_hand = claims.cat_beats_dog_and_monkey(clipnb.load_model(f"local-dir:{random_heads_dir(seed)}"),
                                                  compare.Context.samples(model).cat_images)
        assert abs(heads["E3"].draws[seed - 1] - nulls.statistic(by_hand)) < 1e-6
        assert abs(heads["E3"].draws[seed - 1] - nulls.statistic(twins[seed - 1]["E3"])) > 1e-3   # not random weights
    for claim_id, judged in heads.items():
        assert judged.kind == nulls.HEADS and judged.p_holm is not None
        if judged.result.status == claims.HOLDS:
            assert "random heads" in judged.short and "random heads" in judged.verdict
    table, _, _ = compare.run(["bundled"], progress=False, null=2)
    again = compare.heads_check("bundled", n=2, results=compare.claim_results(table, "bundled"))   # nothing recomputed
    assert {c: (j.short, j.draws) for c, j in again.items()} == {c: (j.short, j.draws) for c, j in heads.items()}
    # within float16 rounding: the table was computed from embeddings the cache keeps at float16
    assert all(abs(again[c].statistic - j.statistic) < 1e-3 for c, j in heads.items() if j.statistic is not None)
    side = compare.heads_marks(table, heads)
    assert list(side.columns) == ["the claim", "against random weights", "against random heads"]
    assert all(m in ("✘", "?", "○ too few to tell") or "random heads" in m for m in side["against random heads"]), side


def test_notebook_11_states_the_size_of_e1s_fixed_draw():
    """11's prose names how many images E1 and the twins read; it must be compare's own number."""
    import json
    from pathlib import Path

    notebook = json.loads((Path(__file__).parent.parent / "notebooks" / "11_across_models.ipynb").read_text())
    prose = " ".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown").replace("\n", " ")
    assert f"reads a fixed draw of {compare.SUBSET_IMAGES} of the images" in prose


def test_the_legend_names_only_the_marks_its_table_holds():
    """11 prints the legend under its table of marks: a mark the table does not hold is not explained there."""
    from clipnb import report

    legend = report.mark_legend(["✔ beyond random weights", "✘", "≈ so do random weights", float("nan"), "✘"])
    assert legend == " · ".join(f"{m} {report.MARKS[m]}" for m in "✔≈✘")
    assert "○" not in legend and "◐" not in legend
    assert report.mark_legend(list(report.MARKS)) == report.MARK_LEGEND


def test_the_talks_own_reading_comes_from_the_speakers_numbers_by_each_claims_statistic():
    from clipnb import report

    assert report.speaker_mark("E3") == "✔ shown once (one photo, no null)"   # "a cat" 0.2542 over "a dog" 0.1433
    assert report.speaker_mark("E4").startswith("✔")        # the fluffy gray cat 0.2728 over "a cat" 0.2542
    assert report.speaker_mark("E6").startswith("gaps only") and report.speaker_mark("E1") == ""
