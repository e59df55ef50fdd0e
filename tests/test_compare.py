"""The cross-model report: every claim for every model, a failing model as a column with its error."""
import json

import pandas as pd

from clipnb import claims, compare, training
from clipnb.models import bundled_model_dir


def test_report_for_a_trained_a_random_and_a_missing_model(tmp_path):
    config = json.loads((bundled_model_dir("bundled:clipart") / "open_clip_config.json").read_text())["model_cfg"]
    training.export_model(training.build_model(1, config), tmp_path / "random", config=config, name="random")
    specs = ["bundled:clipart", f"local-dir:{tmp_path / 'random'}", "nope:nothing"]
    table, errors, rankings = compare.compare(specs, tmp_path / "out", progress=False)

    assert list(errors) == ["nope:nothing"] and "UnknownModelError" in errors["nope:nothing"]
    tidy = pd.read_csv(tmp_path / "out" / "claims.csv")
    assert list(tidy.columns) == ["claim", "model", "measure", "value", "verdict"]
    verdicts = tidy[tidy["measure"] == "verdict"]
    assert set(verdicts["claim"]) == set(compare.CHECKS)
    assert set(verdicts["verdict"]) <= {claims.HOLDS, claims.FAILS, claims.UNCHECKABLE}
    assert len(verdicts) == 2 * len(compare.CHECKS)  # the two models that loaded
    assert tidy[(tidy["claim"] == "load")]["model"].tolist() == ["nope:nothing"]
    # the numbers are real measurements: E3's cosines equal the model's own
    import clipnb

    model = clipnb.load_model("bundled:clipart")
    context = compare.Context.samples(model)
    cosine = float((model.encode_image(context.cat_images).numpy() @ model.encode_text(["a cat"]).numpy().T).mean())
    e3 = tidy[(tidy["claim"] == "E3") & (tidy["model"] == "bundled:clipart") & (tidy["measure"] == "a cat")]
    assert abs(e3["value"].iloc[0] - cosine) < 1e-5

    page = (tmp_path / "out" / "report.html").read_text()
    for claim_id in compare.CHECKS:
        assert f"<h2>{claim_id}:" in page
    assert compare.SPEAKER in page and "could not be loaded" in page and "Agreement between models" in page
    agreement = compare.agreement(table, rankings)
    assert len(agreement) == 1 and 0 <= agreement["top-10 overlap of query rankings"].iloc[0] <= 1


def test_no_models_is_a_clear_error(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="at least one model"):
        compare.compare([" ", ""], tmp_path)
