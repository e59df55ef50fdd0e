"""Loading a local-dir model with and without its random initialisation first, side by side in one run.

    python bench/local_dir_load.py [--repeats 3]

open_clip builds a model (every weight randomly initialised) and then reads the folder's weights over it.
``clipnb.models`` builds it with torch.nn.init's initialisers as no-ops (``_no_weight_init``), since every weight
is read anyway. Measured on `bundled` (EfficientNet-Lite0 + MiniLM, 27 M parameters) and a random-weight ViT-B-32
(88 M; written to a temporary folder first, as ``compare``'s twins are), ``load_model`` interleaved, best of the
repeats; the largest difference between the two loads' image and text features is printed too.
"""
import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import clipnb
from clipnb import models

PROMPTS = ["a cat", "a photo of a dog", "a red car"]


def features(model):
    image = clipnb.samples_dir() / "emoji" / "animals" / "cat.png"
    return np.concatenate([model.encode_image([image]).numpy().ravel(), model.encode_text(PROMPTS).numpy().ravel()])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    skipping = models._no_weight_init
    with tempfile.TemporaryDirectory() as tmp:
        import open_clip

        torch.manual_seed(0)
        with models._quiet_random_init():
            vit = open_clip.create_model("ViT-B-32", pretrained=None)
        models.save_local_dir(vit, Path(tmp) / "vit", config=open_clip.get_model_config("ViT-B-32"), name="random ViT-B-32")
        specs = {"bundled": "bundled", "random ViT-B-32": f"local-dir:{Path(tmp) / 'vit'}"}
        print(f"{'model':<16} {'initialised (s)':>15} {'not (s)':>8} {'speed-up':>9} {'max |diff|':>11}")
        for label, spec in specs.items():
            best, seen = {True: float("inf"), False: float("inf")}, {}
            for _ in range(args.repeats):
                for skip in (False, True):
                    models._no_weight_init = skipping if skip else contextlib.nullcontext
                    start = time.perf_counter()
                    model = clipnb.load_model(spec, device="cpu")
                    best[skip] = min(best[skip], time.perf_counter() - start)
                    model.progress = False
                    seen[skip] = features(model)
            models._no_weight_init = skipping
            diff = float(np.abs(seen[True] - seen[False]).max())
            print(f"{label:<16} {best[False]:>15.3f} {best[True]:>8.3f} {best[False] / best[True]:>8.2f}× {diff:>11.1e}")


if __name__ == "__main__":
    main()
