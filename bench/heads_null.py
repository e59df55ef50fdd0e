"""The random-heads null (compare.heads_check, notebook 11) with and without the twins sharing the locked image
network's output, side by side in one run.

    python bench/heads_null.py [--twins 3] [--repeats 2]

Each repeat runs heads_check on `bundled` with ``--twins`` random-heads twins twice, interleaved: once as it runs
(every twin reads each picture's EfficientNet output from the first, ``nulls._shared_trunk``), once with each twin
running the network itself. The twins' folders are built first and kept; their claim results are not (each run
starts with an empty null cache and no twin in memory). Ratio: shared over plain, the best of the repeats.
"""
import argparse
import os
import shutil
import tempfile
import time

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--twins", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["CLIPNB_CACHE"] = cache
        from clipnb import compare, nulls
        from clipnb.cache import cache_dir
        from clipnb.models import random_heads_dir

        for seed in range(1, args.twins + 1):
            random_heads_dir(seed)
        results = compare.heads_check("bundled", n=0)   # bundled's own claims: computed once, passed to both
        own = {c: j.result for c, j in results.items()}
        shared, best = nulls._shared_trunk, {"shared": [], "plain": []}
        for _ in range(args.repeats):
            for mode in ("plain", "shared"):
                shutil.rmtree(cache_dir() / "nulls", ignore_errors=True)
                nulls._TWINS.clear()
                nulls._TRUNK_OUTPUTS.clear()
                nulls._shared_trunk = shared if mode == "shared" else (lambda trunk, key: trunk)
                start = time.perf_counter()
                compare.heads_check("bundled", n=args.twins, results=own)
                best[mode].append(time.perf_counter() - start)
        nulls._shared_trunk = shared
    plain, mine = min(best["plain"]), min(best["shared"])
    print(f"heads_check on bundled, {args.twins} random-heads twins, best of {args.repeats}: "
          f"each twin running the network {plain:.1f} s, sharing its output {mine:.1f} s: {mine / plain:.2f}×")


if __name__ == "__main__":
    main()
