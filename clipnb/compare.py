"""Run the talk's claims across models, side by side: "does this work for other embedding models?"

Command::

    python -m clipnb.compare --models bundled,bundled:clipart --out compare-report
    python -m clipnb.compare --models MobileCLIP-S2:datacompdr,ViT-B-32:laion2b_s34b_b79k,bundled

writes ``OUT/claims.csv`` (tidy: claim, model, measure, value, verdict) and ``OUT/report.html``
(one section per claim: models × numbers beside the speaker's MobileCLIP-S2 numbers, the verdicts,
and how far the models agree).  A model that fails to load becomes a column holding its error;
the rest of the report is still written.
"""
from __future__ import annotations

import argparse
import html
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clipnb import claims

# The speaker's MobileCLIP-S2 numbers (slides, seeds/001), one cat photo and one composite face per group.
SPEAKER = "speaker: MobileCLIP-S2"
SPEAKER_NUMBERS = {
    "E3": {"a dog": 0.1433, "a cat": 0.2542, "a monkey": 0.1334},
    "E4": {"a cat": 0.2542, "a sly black cat licking its whiskers": 0.1946,
           "a fat fluffy gray cat with sad eyes miaowing with hunger": 0.2728, "garfield the cat": 0.2240},
    "E5a": {"a dog": 0.1433, "a cheezburger": 0.2315},
    "E5b": {"a dog": 0.1433, "keyboard-mash": 0.1821},
    "E6": {"gap doctor": 0.1474 - 0.1463, "gap teacher": 0.1412 - 0.1356, "gap software engineer": 0.1818 - 0.1297,
           "gap ml researcher": 0.2113 - 0.1700, "gap nurse": 0.1132 - 0.1824},
}
AGREEMENT_QUERIES = ["a cat", "a dog", "an image of a man", "a person running in front of trees", "a happy face",
                     "a sad face", "a doctor", "snow"]


@dataclass
class Context:
    """What the claims run on, for one model: the sample corpus and the talk's images in it."""

    model: object
    corpus: object
    cat_images: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    forest_image: str | None = None
    gaps: object = None  # E6's table, computed once for both of its claims

    @classmethod
    def samples(cls, model):
        import clipnb
        from clipnb import samples

        return cls(model, clipnb.sample_corpus(model, progress=False), samples.cat_images(), samples.gender_groups(),
                   str(samples.forest_image()))


def _bias(context):
    if context.gaps is None:
        context.gaps = claims.bias_table(context.model, context.groups, n_permutations=2000)
    return context.gaps


def _gap(context):
    corpus = context.corpus
    captions = corpus.table["caption"].fillna("").replace("", "an image")
    return claims.modality_gap(corpus.image_features, context.model.encode_text(list(captions)).numpy())


def _forest(context):
    from clipnb.samples import FOREST_CAPTIONS

    forest = context.corpus.table["caption"].fillna("").str.contains(FOREST_CAPTIONS, case=False, regex=True)
    return claims.image_minus_word(context.corpus, context.forest_image, "forest", forest.to_numpy(), k=9)


def _tsp(context):
    rng = np.random.default_rng(0)
    subset = np.sort(rng.choice(len(context.corpus), size=min(40, len(context.corpus)), replace=False))
    return claims.ordered_path_is_shorter(context.corpus.image_features[subset], time_limit_s=1.0)


# claim id -> how to run it on a context
CHECKS = {
    "E1": _gap,
    "E3": lambda c: claims.cat_beats_dog_and_monkey(c.model, c.cat_images),
    "E4": lambda c: claims.description_beats_a_cat(c.model, c.cat_images),
    "E5a": lambda c: claims.cheezburger_beats_dog(c.model, c.cat_images),
    "E5b": lambda c: claims.keyboard_mash_beats_dog(c.model, c.cat_images),
    "E6": lambda c: claims.unmarked_prompts_lean(c.model, c.groups, gaps=_bias(c)),
    "E6-sanity": lambda c: claims.marked_prompts_move_scores(c.model, c.groups, gaps=_bias(c)),
    "E9": lambda c: claims.subtraction_grows_with_weight(c.corpus),
    "E10": _forest,
    "E12a": lambda c: claims.delta_differs_from_nearest(c.corpus, "happy", "sad"),
    "E12b": lambda c: claims.probability_same_order(c.corpus, "happy", "sad"),
    "E13": _tsp,
}


def run(specs, context_for=Context.samples, progress: bool = True):
    """Every claim for every model. Returns (tidy DataFrame, {spec: error}, {spec: query rankings})."""
    import pandas as pd
    from tqdm.auto import tqdm

    import clipnb

    rows, errors, rankings = [], {}, {}
    for spec in specs:
        target = spec.split("=", 1)[1] if _has_label(spec) else spec
        spec = _label(spec)
        try:
            model = clipnb.load_model(target)
            context = context_for(model)
        except Exception as error:  # noqa: BLE001  a model that fails becomes a column with its error
            errors[spec] = f"{type(error).__name__}: {error}"
            continue
        for claim_id, check in tqdm(CHECKS.items(), desc=spec, disable=not progress):
            try:
                result = check(context)
            except Exception as error:  # noqa: BLE001
                result = claims.ClaimResult(claim_id, "", claims.UNCHECKABLE, f"failed: {type(error).__name__}: {error}")
            numbers = result.numbers if result.numbers is not None else pd.DataFrame({"measure": [], "value": []})
            rows.append({"claim": claim_id, "model": spec, "measure": "verdict", "value": np.nan,
                         "verdict": result.status, "statement": result.statement, "reason": result.reason})
            rows += [{"claim": claim_id, "model": spec, "measure": m, "value": v, "verdict": result.status,
                      "statement": result.statement, "reason": result.reason}
                     for m, v in zip(numbers["measure"], numbers["value"])]
        rankings[spec] = {q: list(context.corpus.search(q, k=10)["path"]) for q in AGREEMENT_QUERIES}
    return pd.DataFrame(rows), errors, rankings


def _has_label(spec: str) -> bool:
    """``untrained=local-dir:/tmp/x`` names a model; ``NAME:TAG`` and paths have no '=' before a ':'."""
    head = spec.split("=", 1)[0]
    return "=" in spec and ":" not in head and "/" not in head


def _label(spec: str) -> str:
    return spec.split("=", 1)[0] if _has_label(spec) else spec


def agreement(table, rankings):
    """Between every two models: Spearman ρ of all their claim numbers, and the mean top-10 overlap
    of their rankings for ``AGREEMENT_QUERIES`` on the same corpus."""
    import pandas as pd
    from scipy.stats import spearmanr

    numbers = table[table["measure"] != "verdict"].pivot_table(index=["claim", "measure"], columns="model",
                                                                values="value")
    models = list(rankings)
    rows = []
    for i, a in enumerate(models):
        for b in models[i + 1:]:
            both = numbers[[a, b]].dropna() if {a, b} <= set(numbers.columns) else numbers.iloc[:0]
            rho = spearmanr(both[a], both[b]).statistic if len(both) > 2 else np.nan
            overlap = np.mean([len(set(rankings[a][q]) & set(rankings[b][q])) / 10 for q in AGREEMENT_QUERIES])
            rows.append({"model A": a, "model B": b, "Spearman ρ of claim numbers": rho,
                         "numbers compared": len(both), "top-10 overlap of query rankings": overlap})
    return pd.DataFrame(rows)


def report_html(table, errors, rankings, specs) -> str:
    import pandas as pd

    style = ("<style>body{font:14px sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
             "margin:6px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}"
             ".holds{color:#1a7f37}.does{color:#cf222e}.cannot{color:#6e7781}</style>")
    out = [f"<html><head><meta charset='utf-8'><title>clipnb: the talk's claims across models</title>{style}"
           "</head><body><h1>The talk's claims across models</h1>",
           f"<p>Models: {', '.join(f'<code>{html.escape(s)}</code>' for s in specs)}. Each claim runs on the sample "
           "corpus (<code>data/samples</code>). The speaker's numbers are MobileCLIP-S2 on his own cat photo and "
           "composite faces: a reference, not the same images.</p>"]
    for spec, error in errors.items():
        out.append(f"<p class='does'><b>{html.escape(spec)}</b> could not be loaded: {html.escape(error)}</p>")
    for claim_id in CHECKS:
        part = table[table["claim"] == claim_id]
        if part.empty:
            continue
        statement = next((s for s in part["statement"] if s), claim_id)
        out.append(f"<h2>{html.escape(claim_id)}: {html.escape(statement)}</h2>")
        numbers = part[part["measure"] != "verdict"].pivot_table(index="measure", columns="model", values="value",
                                                                  sort=False)
        if claim_id in SPEAKER_NUMBERS:
            numbers.insert(0, SPEAKER, pd.Series(SPEAKER_NUMBERS[claim_id]))
        for spec in specs:
            if spec in errors:
                numbers[spec] = np.nan
        if len(numbers):
            out.append(numbers.to_html(float_format=lambda v: f"{v:.4f}", na_rep="–"))
        verdicts = part[part["measure"] == "verdict"]
        items = "".join(f"<li><code>{html.escape(r.model)}</code>: <span class='{r.verdict.split()[0]}'>"
                        f"<b>{html.escape(r.verdict)}</b></span>: {html.escape(r.reason)}</li>"
                        for r in verdicts.itertuples())
        items += "".join(f"<li><code>{html.escape(s)}</code>: not loaded</li>" for s in errors)
        out.append(f"<ul>{items}</ul>")
    verdicts = table[table["measure"] == "verdict"].pivot_table(index="claim", columns="model", values="verdict",
                                                                aggfunc="first", sort=False)
    out.append("<h2>Verdicts</h2>" + verdicts.to_html(na_rep="–"))
    agree = agreement(table, rankings)
    if len(agree):
        out.append("<h2>Agreement between models</h2><p>Spearman ρ over every number the claims produced, and the "
                   f"mean share of top-10 images two models share for {len(AGREEMENT_QUERIES)} queries.</p>"
                   + agree.to_html(index=False, float_format=lambda v: f"{v:.3f}"))
    return "\n".join(out) + "</body></html>"


def compare(specs, out, context_for=Context.samples, progress: bool = True):
    """Run, then write ``claims.csv`` and ``report.html`` into ``out``; returns (table, errors, rankings)."""
    specs = [s.strip() for s in specs if s.strip()]
    if not specs:
        raise ValueError("give at least one model, e.g. --models bundled,bundled:clipart")
    table, errors, rankings = run(specs, context_for, progress)
    specs = [_label(s) for s in specs]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tidy = table[["claim", "model", "measure", "value", "verdict"]]
    if errors:
        import pandas as pd

        tidy = pd.concat([tidy, pd.DataFrame([{"claim": "load", "model": s, "measure": "error", "value": np.nan,
                                               "verdict": e} for s, e in errors.items()])], ignore_index=True)
    for name, text in [("claims.csv", tidy.to_csv(index=False)), ("report.html", report_html(table, errors, rankings, specs))]:
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out / name)
    return table, errors, rankings


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m clipnb.compare", description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="bundled,bundled:clipart",
                        help="comma-separated model specs (as CLIPNB_MODEL takes them), each optionally "
                             "named: label=spec")
    parser.add_argument("--out", type=Path, default=Path("compare-report"), help="folder for report.html and claims.csv")
    args = parser.parse_args(argv)
    table, errors, _ = compare(args.models.split(","), args.out)
    verdicts = table[table["measure"] == "verdict"].pivot_table(index="claim", columns="model", values="verdict",
                                                                aggfunc="first", sort=False)
    print(verdicts.to_string())
    for spec, error in errors.items():
        print(f"{spec}: not loaded: {error}")
    print(f"wrote {args.out / 'report.html'} and {args.out / 'claims.csv'}")
    return 1 if errors and len(errors) == len(args.models.split(",")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
