"""Prompts encoded in the order given against shortest first, side by side (``ClipModel.encode_text`` sorts them).

    python bench/text_length_order.py [--models bundled,random:bundled,bundled:emoji] [--repeats 3]

The texts are the captions of E1's fixed 100 images of the sample corpus (``compare``'s subset: emoji names and
clip-art tag lists, 2 to 60-odd tokens), what every random twin encodes. A batch is padded to its longest text, so
mixed lengths waste positions; sorting by length puts texts of a length in one batch. Interleaved, best of the
repeats; the largest feature difference between the two orders is printed too.
"""
import argparse
import os
import time

import numpy as np
import torch

import clipnb
from clipnb import compare


def encode(model, texts, in_order: bool) -> np.ndarray:
    """``model.encode_text`` without its memo; in_order: batches in the order given (what it did before sorting)."""
    model._text_cache.clear()
    if not in_order:
        return model.encode_text(texts).numpy()
    parts = [model.encode_text(texts[i:i + model.batch_size]).numpy() for i in range(0, len(texts), model.batch_size)]
    return np.concatenate(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="bundled,random:bundled,bundled:emoji")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    print(f"{'model':<18} {'in order (s)':>12} {'shortest first (s)':>18} {'speed-up':>9} {'max |diff|':>11}")
    for spec in args.models.split(","):
        model = clipnb.load_model(spec, device="cpu")
        model.progress = False
        _, captions = compare.Context.samples(model).subset()
        texts = list(dict.fromkeys(captions))
        best, seen = {True: float("inf"), False: float("inf")}, {}
        for _ in range(args.repeats):
            for in_order in (True, False):
                start = time.perf_counter()
                seen[in_order] = encode(model, texts, in_order)
                best[in_order] = min(best[in_order], time.perf_counter() - start)
        diff = float(np.abs(seen[True] - seen[False]).max())
        print(f"{spec:<18} {best[True]:>12.3f} {best[False]:>18.3f} {best[True] / best[False]:>8.2f}× {diff:>11.1e}")


if __name__ == "__main__":
    main()
