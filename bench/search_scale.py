"""Search latency vs corpus size: brute force (one matrix product) vs the FAISS HNSW index, with recall.

    python bench/search_scale.py [--sizes 10000 100000 1000000] [--dim 128] [--queries 200]

Synthetic clustered unit vectors (uniform random vectors have no neighbours worth finding), and
uniform random 128-d vectors (``--random``), where HNSW at a fixed efSearch loses recall.
The index is built the way a corpus builds it (``ann.tuned_index``): efSearch raised until recall@10 on
the corpus's own vectors reaches 0.95, else exact search. Prints per size: build + tuning time, the
efSearch chosen (or "exact"), p50/p95 per query for both, the speed-up, and recall@10 on other queries.
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from clipnb import ann
from clipnb.corpus import top_k


def clustered(n, dim, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((max(10, n // 200), dim)).astype(np.float32)
    x = centers[rng.integers(0, len(centers), n)] + 0.6 * rng.standard_normal((n, dim), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--random", action="store_true", help="uniform random vectors instead of clustered ones")
    args = parser.parse_args()
    print(f"{'N':>9} {'build+tune s':>12} {'efSearch':>8} {'brute p50/p95 ms':>18} {'ANN p50/p95 ms':>16} "
          f"{'speed-up p50':>12} {'recall@10':>9}")
    for n in args.sizes:
        x = clustered(n, args.dim)
        if args.random:
            x = np.random.default_rng(0).standard_normal((n, args.dim)).astype(np.float32)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
        queries = x[np.random.default_rng(2).choice(n, args.queries)]  # queries from the data distribution
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            index, report = ann.tuned_index(x, Path(tmp), "bench")
        build = time.perf_counter() - start
        if index is None:
            print(f"{n:>9} {build:>12.1f} {'exact':>8}   (HNSW recall@10 {max(report['recall_at_10'].values()):.3f} "
                  f"at best: search stays exact)")
            continue
        brute, approx = [], []
        for q in queries:  # interleaved, so noise hits both alike
            t0 = time.perf_counter()
            top_k(x @ q, 10)
            t1 = time.perf_counter()
            ann.search(index, q, 10)
            t2 = time.perf_counter()
            brute.append((t1 - t0) * 1000)
            approx.append((t2 - t1) * 1000)
        recall = ann.recall_at_k(index, x, queries[:100], 10)
        b50, b95, a50, a95 = np.percentile(brute, 50), np.percentile(brute, 95), np.percentile(approx, 50), np.percentile(approx, 95)
        print(f"{n:>9} {build:>12.1f} {report['ef_search']:>8} {b50:>8.2f} / {b95:<7.2f} {a50:>7.3f} / {a95:<6.3f} "
              f"{b50 / a50:>11.0f}x {recall:>9.3f}")


if __name__ == "__main__":
    main()
