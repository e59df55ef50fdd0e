"""E13's path: OR-Tools' guided local search for a fixed time against greedy descent to its local optimum, side by side.

    python bench/tsp_descent.py [--models bundled,random:bundled] [--limits 1.0,0.3]

On each model's 40 tour images (the first 40 of E1's fixed 200 of the sample corpus, as ``compare`` reads them):
each search's path length (radians) and time, and the ratio of both to guided local search at the first limit.
Greedy descent (``paths.solver_order(d, None)``) stops at the first path no single move shortens, so it gives the
same path on every run; a time limit does not.
"""
import argparse
import os
import time

import torch

import clipnb
from clipnb import compare, paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="bundled,random:bundled")
    parser.add_argument("--limits", default="1.0,0.3")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    limits = [float(x) for x in args.limits.split(",")] + [None]
    print(f"{'model':<16} {'search':<26} {'length (rad)':>12} {'seconds':>8} {'length ratio':>12} {'time ratio':>10}")
    for spec in args.models.split(","):
        model = clipnb.load_model(spec, device="cpu")
        model.progress = False
        context = compare.Context.samples(model)
        features = compare._subset_features(context)[0][:compare.TOUR_IMAGES]
        distances = paths.distance_matrix(features)
        rows = []
        for limit in limits:
            start = time.perf_counter()
            order = paths.solver_order(distances, limit)
            rows.append((limit, paths.tour_length(distances, order), time.perf_counter() - start))
        base_length, base_time = rows[0][1], rows[0][2]
        for limit, length, seconds in rows:
            name = "greedy descent (no limit)" if limit is None else f"guided local search {limit:g} s"
            print(f"{spec:<16} {name:<26} {length:>12.4f} {seconds:>8.3f} {length / base_length:>12.4f} "
                  f"{seconds / base_time:>10.3f}")
        greedy = paths.tour_length(distances, paths.greedy_order(distances))
        print(f"{spec:<16} {'greedy path (the seed)':<26} {greedy:>12.4f}")


if __name__ == "__main__":
    main()
