"""The validation columns the bundled model's recipe was chosen on (data/README.md), for any model spec.

Streamline (the validation emoji style): zero-shot over the classes it draws and man/woman; the eight validation
photos (:data:`clipnb_train.lit.VALIDATION_PHOTOS`, each against its label and six distractors); the stamp
validation (the held-out Tux Paint photos, image → text among their distinct sentences). Test (twemoji, the
sample corpus) is never read here. Command::

    python -m clipnb_train.validate bundled local-dir:/path/to/a/run
"""
from __future__ import annotations

import argparse
import os

import numpy as np


def stamp_validation(model) -> dict:
    """Image → text among the held-out stamps' distinct sentences: top-1 and top-5 shares."""
    import pandas as pd

    from clipnb_train import stamps

    folder = stamps.default_dir()
    table = pd.read_parquet(folder / "stamps.parquet")
    table = table[table["split"] == "val"]
    captions = sorted(set(table["caption"]))
    scores = model.encode_image([folder / p for p in table["path"]]).numpy() @ model.encode_text(captions).numpy().T
    gold = np.array([captions.index(c) for c in table["caption"]])
    ranked = np.argsort(-scores, axis=1)
    return {"stamp top-1": float((ranked[:, 0] == gold).mean()),
            "stamp top-5": float((ranked[:, :5] == gold[:, None]).any(1).mean()), "stamp sentences": len(captions)}


def validation_photos_right(model) -> int:
    from clipnb_train import lit

    right = 0
    for path, label in lit.validation_photos().items():
        scores = model.encode_image([path]).numpy() @ model.encode_text([label] + lit.PHOTO_DISTRACTORS).numpy().T
        right += int(scores.argmax() == 0)
    return right


def scores(model) -> dict:
    from clipnb_train import emoji, evaluation

    table = emoji.emoji_table(emoji.default_dir(), "val")
    zero_shot, _, classes = evaluation.emoji_zero_shot(model, table)
    return {"val zero-shot": zero_shot, "zero-shot images": classes,
            "val man/woman": evaluation.man_woman(model, table)["a man X vs a woman X"],
            "val photos right (of 8)": validation_photos_right(model), **stamp_validation(model)}


def main(argv=None):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import clipnb

    parser = argparse.ArgumentParser(prog="python -m clipnb_train.validate", description=__doc__.split("\n")[0])
    parser.add_argument("specs", nargs="+", help="model specs: bundled, local-dir:DIR, …")
    for spec in parser.parse_args(argv).specs:
        model = clipnb.load_model(spec)
        model.progress = False
        print(spec, {k: round(v, 3) if isinstance(v, float) else v for k, v in scores(model).items()}, flush=True)


if __name__ == "__main__":
    main()
