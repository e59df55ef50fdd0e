"""A random-weight twin, cold: its folder built and then read back (open_clip builds the architecture a second time
to load it) against the model it built kept as it stands (``models.random_model``, which also writes no weights for
a model over ``models.DISK_PARAMETERS``, such as ViT-B-32's 151M), side by side.

    python bench/random_twins.py [--models bundled,ViT-B-32:laion2b_s34b_b79k] [--seeds 3]

Each seed's twin is made both ways, in alternating order, each in a fresh cache; the features of both are checked
equal. What it saves is what each cold twin of ``compare`` and of the calibration tests costs.
"""
import argparse
import os
import tempfile
import time

import torch

import clipnb
from clipnb import models, samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="bundled,ViT-B-32:laion2b_s34b_b79k")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    images = samples.probe_images()[:4]
    print(f"{'model':<28} {'build + load':>13} {'kept':>8} {'faster':>7}  features equal")
    for spec in args.models.split(","):
        models.random_model(spec, 99, device="cpu")  # imports and the architecture's first build, outside the timing
        times = {"build + load": 0.0, "kept": 0.0}
        equal = True
        for seed in range(1, args.seeds + 1):
            features = {}
            for way in (("build + load", "kept") if seed % 2 else ("kept", "build + load")):
                with tempfile.TemporaryDirectory() as cache:
                    os.environ["CLIPNB_CACHE"] = cache
                    start = time.perf_counter()
                    if way == "kept":
                        twin = models.random_model(spec, seed, device="cpu")
                    else:
                        twin = clipnb.load_model(f"local-dir:{models.random_weights_dir(spec, seed)}", device="cpu")
                    times[way] += time.perf_counter() - start
                    features[way] = twin.encode_image(images)
            equal &= torch.equal(features["kept"], features["build + load"])
        old, new = (times[w] / args.seeds for w in ("build + load", "kept"))
        print(f"{spec:<28} {old:>11.2f} s {new:>6.2f} s {old / new:>6.2f}×  {equal}")


if __name__ == "__main__":
    main()
