"""Evaluate a CLIP model on the held-out clip-art: retrieval recall, zero-shot accuracy, plain queries.

Command (writes ``EVAL.md`` beside the bundled model)::

    python -m clipnb.evaluation [--data DIR] [--out data/models/clipnb-clipart-s/EVAL.md]

Every number is printed next to chance and next to the same architecture untrained.
"""
from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

import numpy as np

# Zero-shot classes: top-level folders with enough test images ('unsorted'/'special' say nothing),
# each named by the folder word its captions carry (the model's own vocabulary, as CLIP's class
# names are words of its web captions).
FOLDER_CLASSES = {
    "animals": "animal", "buildings": "building", "computer": "computer", "food": "food",
    "geography": "map", "office": "office", "people": "person", "plants": "plant", "recreation": "games",
    "shapes": "shape", "signs_and_symbols": "sign symbol", "tools": "tool", "transportation": "transport",
}
TEMPLATES = ["{}", "a drawing of {}", "clip art of {}", "an icon of {}"]
# Plain queries and what makes an answer right: a pattern over the image's caption and SVG path.
PLAIN_QUERIES = {
    "a cat": r"\bcats?\b|housecat|\bgatt[oa]\b|kitten",
    "a dog": r"\bdogs?\b|puppy|\bcane\b",
    "a flag": r"\bflags?\b",
    "a car": r"\bcars?\b|automobile|vehicle",
    "a flower": r"flower|\brose\b|tulip|daisy|\bfiore\b",
    "a computer": r"computer|\bpc\b|monitor|laptop|keyboard|hardware",
    "a playing card": r"playing card|\bcards?\b",
    "food": r"\bfood|fruit|dessert|vegetable|meat|bread|cake",
    "a person": r"\bperson|people|\bman\b|woman|\bboy\b|\bgirl\b|stickm",
    "a house": r"\bhouses?\b|\bhomes?\b|building",
    "a star": r"\bstars?\b",
    "a map": r"\bmaps?\b|geography",
}


def _split_table(data_dir: Path, split: str = "test"):
    import pandas as pd

    table = pd.read_parquet(Path(data_dir) / "clipart.parquet")
    table = table[table["split"] == split].reset_index(drop=True)
    table["png"] = [str(Path(data_dir) / "png" / f"{s}.png") for s in table["sha1"]]
    return table


def retrieval(model, table, ks=(1, 5, 10)) -> dict:
    """Recall@k both ways, one caption per image (images without a caption are left out)."""
    table = table[table["caption"].str.strip() != ""]
    image_features = model.encode_image(list(table["png"])).numpy()
    text_features = model.encode_text(list(table["caption"])).numpy()
    similarity = text_features @ image_features.T
    right = np.diag(similarity)
    out = {}
    for name, sim, correct in [("text→image", similarity, right), ("image→text", similarity.T, right)]:
        rank = (sim > correct[:, None]).sum(1)
        out.update({f"{name} R@{k}": float((rank < k).mean()) for k in ks})
    return out


def zero_shot(model, table, classes=FOLDER_CLASSES, templates=TEMPLATES):
    """Balanced accuracy of nearest prompt-ensemble class over the images of those folders."""
    from sklearn.metrics import balanced_accuracy_score

    table = table[table["folder"].isin(classes)]
    names = list(classes)
    prototypes = np.stack([model.encode_text([t.format(classes[n]) for t in templates]).numpy().mean(0)
                           for n in names])
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    predicted = (model.encode_image(list(table["png"])).numpy() @ prototypes.T).argmax(1)
    return float(balanced_accuracy_score(table["folder"], [names[i] for i in predicted])), len(names)


def plain_queries(model, table, k: int = 5, queries=PLAIN_QUERIES):
    """For each query: how many of the top k images are right, and how many are right in the pool."""
    image_features = model.encode_image(list(table["png"])).numpy()
    text = (table["caption"] + " " + table["svg"]).str.lower()
    rows = []
    for query, pattern in queries.items():
        relevant = text.str.contains(pattern, regex=True).to_numpy()
        top = np.argsort(-(image_features @ model.encode_text([query])[0].numpy()))[:k]
        rows.append({"query": query, "right in top-5": int(relevant[top].sum()),
                     "chance (expected)": k * relevant.mean(), "relevant in pool": int(relevant.sum()),
                     "top-5 captions": " | ".join(table["caption"].iloc[top].str.split(",").str[0])})
    return rows


def untrained_model(spec: str):
    """The same architecture as ``spec`` (bundled or local-dir) with random weights, loaded the same way."""
    import json

    import clipnb
    from clipnb.models import bundled_model_dir
    from clipnb.training import build_model, export_model

    source = bundled_model_dir() if spec == "bundled" else Path(spec.removeprefix("local-dir:"))
    config = json.loads((source / "open_clip_config.json").read_text())["model_cfg"]
    folder = Path(tempfile.mkdtemp(prefix="clipnb-untrained-"))
    export_model(build_model(seed=0, config=config), folder, config=config)
    return clipnb.load_model(f"local-dir:{folder}", device="cpu")


def report(data_dir: Path, trained_spec: str = "bundled") -> str:
    import pandas as pd

    import clipnb

    table = _split_table(data_dir)
    models = {"trained": clipnb.load_model(trained_spec, device="cpu"), "untrained": untrained_model(trained_spec)}
    name = "bundled (clipnb-clipart-s)" if trained_spec == "bundled" else trained_spec
    lines = [f"# Evaluation of `{name}` on the held-out clip-art test split ({len(table)} images)", "",
             "Made by `python -m clipnb.evaluation`. *Untrained* = the same architecture with random weights.", ""]
    rec = {name: retrieval(m, table) for name, m in models.items()}
    chance = {k: min(1.0, int(k.split("@")[1]) / len(table)) for k in rec["trained"]}
    frame = pd.DataFrame({"trained": rec["trained"], "untrained": rec["untrained"], "chance": chance})
    frame["trained ÷ chance"] = frame["trained"] / frame["chance"]
    lines += ["## Retrieval (one caption per image)", "", frame.round(3).to_markdown(), ""]
    zs = {name: zero_shot(m, table) for name, m in models.items()}
    n_classes = zs["trained"][1]
    lines += [f"## Zero-shot classification over {n_classes} top-level folders",
              "", f"Prompt ensemble: {TEMPLATES}; classes: {FOLDER_CLASSES}.", "",
              "| | balanced accuracy |", "|---|---|",
              f"| trained | {zs['trained'][0]:.3f} ({zs['trained'][0] * n_classes:.1f}× chance) |",
              f"| untrained | {zs['untrained'][0]:.3f} |", f"| chance | {1 / n_classes:.3f} |", ""]
    plain = {name: pd.DataFrame(plain_queries(m, table)) for name, m in models.items()}
    merged = plain["trained"].copy()
    merged.insert(2, "untrained: right in top-5", plain["untrained"]["right in top-5"])
    merged["chance (expected)"] = merged["chance (expected)"].round(2)
    total = merged["right in top-5"].sum()
    lines += ["## Plain queries: top-5 images", "",
              "An image counts as right when its caption or SVG path matches the query's pattern "
              "(see `PLAIN_QUERIES` in `clipnb/evaluation.py`).", "",
              merged.to_markdown(index=False), "",
              f"Right: **{total} of {5 * len(merged)}** (untrained: {merged['untrained: right in top-5'].sum()}, "
              f"chance: {merged['chance (expected)'].sum():.1f}).", ""]
    return "\n".join(lines)


def main(argv=None):
    from clipnb.clipart import default_dir
    from clipnb.models import bundled_model_dir

    parser = argparse.ArgumentParser(prog="python -m clipnb.evaluation", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=default_dir())
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--out", type=Path, default=bundled_model_dir() / "EVAL.md")
    args = parser.parse_args(argv)
    text = report(args.data, args.model)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
