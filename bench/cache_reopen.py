"""Cold encode of the sample corpus vs reopening it from the on-disk cache, side by side.

    python bench/cache_reopen.py [--model bundled] [--repeats 3]

Prints the median of each and their ratio (goal: reopening >= 50x faster).
"""
import argparse
import statistics
import tempfile
import time

import clipnb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = clipnb.load_model(args.model)
    cold, warm = [], []
    for _ in range(args.repeats):  # interleaved, so machine noise hits both alike
        with tempfile.TemporaryDirectory() as cache:
            start = time.perf_counter()
            corpus = clipnb.sample_corpus(model, cache=cache)
            cold.append(time.perf_counter() - start)
            model._text_cache.clear()
            start = time.perf_counter()
            clipnb.sample_corpus(model, cache=cache)
            warm.append(time.perf_counter() - start)
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"model {model.name}, {len(corpus)} images, {args.repeats} repeats")
    print(f"cold encode  median {c * 1000:8.1f} ms  ({len(corpus) / c:.0f} images/s)")
    print(f"warm reopen  median {w * 1000:8.1f} ms")
    print(f"ratio cold/warm: {c / w:.0f}x  (goal >= 50x)")


if __name__ == "__main__":
    main()
