"""Each style augmentation checked by itself on validation: short fine-tunes of the shipped recipe, side by side.

Every run starts from the same towers as ``make model`` (bundled:v2's), trains the same number of steps with the
same batches, shares and distillation loss, and differs only in its augmentation: the crops alone, the crops and
one change of :data:`~clipnb_train.training.STYLE_CHANGES` (or the rotation), or all of them (the shipped
``style``). A second seed of the crops-only run measures how far two runs differ by chance alone. The text side is
set against the other choice issue 24 names: all-MiniLM-L6-v2 itself as open_clip's Hugging Face text tower,
locked, its linear projection fitted to the distilled tower (so the carried-over image tower meets it) and then
trained; both are also measured before any step. The measure is
text→image recall@10 on the validation style (streamline emoji and held-out clip-art); twemoji (test) is not
looked at. The data is loaded once for every run::

    python -m clipnb_train.ablation --steps 80
    python -m clipnb_train.ablation --steps 80 --runs "crops only;text: all-MiniLM-L6-v2 locked, crops only"
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

from clipnb_train import icons, scenes
from clipnb.cache import build_dir
from clipnb_train.architectures import ARCHITECTURES, tokenizer_for
from clipnb_train.training import STYLE_CHANGES, TrainConfig, load_data, retrieval_recall, train

MEASURE = "text_to_image_R@10"


def variants() -> dict[str, dict]:
    """name -> what the run changes in the shipped recipe: crops alone (two seeds), each change by itself, everything,
    and the other text side issue 24 asks about: all-MiniLM-L6-v2 itself, locked, its projection fitted to the
    distilled tower and then trained (crops alone, as the run it is compared with). ``steps: 0`` measures a start."""
    runs = {"crops only": {"augment": "crop"}, "crops only, another seed": {"augment": "crop", "seed": 1}}
    runs.update({f"crops + {name}": {"augment": f"style:{name}"} for name in [*STYLE_CHANGES, "rotate"]})
    runs["crops + every change (shipped)"] = {"augment": "style"}
    locked = {"arch": "cnn-minilm", "text": "locked", "augment": "crop"}
    runs["text: distilled (shipped), before training"] = {"augment": "crop", "epochs": 0}
    runs["text: all-MiniLM-L6-v2 locked, before training"] = {**locked, "epochs": 0}
    runs["text: all-MiniLM-L6-v2 locked, crops only"] = locked
    return runs


def shipped_recipe(steps: int, out: Path) -> TrainConfig:
    """``make model``'s configuration, cut to one epoch of ``steps`` steps."""
    return TrainConfig(text="english-joint", init_visual="data/models/clipnb-english-s",
                       init_text="data/models/clipnb-english-s", icons=str(icons.default_dir()),
                       scenes=str(scenes.default_dir()), shares="clipart=0.2,emoji=0.45,icons=0.15,scenes=0.2",
                       epochs=1, epoch_steps=steps, warmup_steps=min(10, steps), lr=5e-4, focus="^(man|woman)-",
                       focus_weight=2.0, out=str(out))


def run(steps: int, work: Path, names: list[str] | None = None) -> list[dict]:
    """Train each variant (or only ``names``) and return one row per run, with its validation recall."""
    base = shipped_recipe(steps, work)
    data = load_data(base)  # the seed only draws batches: every run reads the same images
    rows = []
    for name, change in variants().items():
        if names and name not in names:
            continue
        out = work / re.sub(r"[^\w-]+", "-", name).strip("-")
        shutil.rmtree(out, ignore_errors=True)  # a short run is cheaper to redo than to check for resumability
        config = replace(base, **change, out=str(out))
        model, log = train(config, progress=False, data=data)
        measured = log[-1] if log else retrieval_recall(model, data[1], tokenizer_for(ARCHITECTURES[config.arch]))
        rows.append({"run": name, "augment": config.augment, "seed": config.seed, "text": config.text,
                     "steps": steps * config.epochs, MEASURE: measured[MEASURE],
                     "train_loss": log[-1]["train_loss"] if log else None})
        print(json.dumps(rows[-1]), flush=True)
        shutil.rmtree(out, ignore_errors=True)
    return rows


def table(rows: list[dict]) -> str:
    """A markdown table: each run's validation recall and its difference from crops only (seed 0)."""
    reference = next((r[MEASURE] for r in rows if r["run"] == "crops only"), float("nan"))
    chance = next((abs(r[MEASURE] - reference) for r in rows if r["run"] == "crops only, another seed"), None)
    lines = ["| run | steps | validation text→image R@10 | vs crops only | train loss |", "|---|---|---|---|---|"]
    lines += [f"| {r['run']} | {r['steps']} | {r[MEASURE]:.3f} | {r[MEASURE] - reference:+.3f} | "
              + (f"{r['train_loss']:.3f} |" if r["train_loss"] is not None else "(not trained) |") for r in rows]
    if chance is not None:
        lines.append(f"\nTwo seeds of the same run differ by {chance:.3f}: a difference no larger than that is chance.")
    return "\n".join(lines)


RESULTS = "validation_choices.json"  # beside the bundled model: the rows EVAL.md reports


def section(rows: list[dict]) -> list[str]:
    """EVAL.md's section on the recipe choices checked on validation (test was not looked at for them)."""
    return ["## Recipe choices on validation: each augmentation, and the two text sides", "",
            f"Short fine-tunes of the shipped recipe from `bundled:v2`'s towers ({rows[0]['steps'] or 80} steps of "
            "batch 256 each, the same batches), one change at a time, measured on the validation style "
            "(`python -m clipnb_train.ablation`; its docstring gives the design). A run this short shows which way "
            "a change pushes, not what a full run would end at; the two seeds of the crops-only run give the size "
            "of chance. The train loss of the distilled runs includes the distillation term (weight 5), which the "
            "locked text side has no need of: compare recall, not loss, across the two.", "", table(rows), ""]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m clipnb_train.ablation", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=80, help="training steps per run (batch 256)")
    parser.add_argument("--work", type=Path, default=build_dir("ablation"), help="scratch folder (its runs are removed)")
    parser.add_argument("--out", type=Path, default=None, help=f"also write the rows here (JSON; EVAL.md reads {RESULTS} "
                        "beside the bundled model)")
    parser.add_argument("--runs", default="", help="only these runs (names from variants(), separated by ';')")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    rows = run(args.steps, args.work, [n for n in args.runs.split(";") if n] or None)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
