"""How long 100 prompts take to encode on each bundled model, side by side in one run (the aim: <= 0.5 s).

    python bench/prompt_encoding.py [--models bundled,bundled:v3,bundled:emoji] [--repeats 5]

Each model encodes the same 100 distinct prompts, uncached (``model.encode_text`` memoises, so its memo is
cleared before each repeat); models are interleaved, the best of the repeats is kept. Ratio: each model's
time over the first model's.
"""
import argparse
import os
import time

import torch

import clipnb

PROMPTS = [f"{template.format(thing)}" for thing in
           ["cat", "dog", "monkey", "cheeseburger", "doctor", "nurse", "teacher", "tree", "car", "house",
            "man running in the snow", "woman", "happy face", "sad face", "forest", "pizza", "rocket", "flag",
            "software engineer", "firefighter"]
           for template in ["a {}", "a photo of a {}", "a drawing of a {}", "an emoji of a {}", "{}"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="bundled,bundled:v3,bundled:emoji")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    assert len(set(PROMPTS)) == 100
    models = {spec: clipnb.load_model(spec, device="cpu") for spec in args.models.split(",")}
    best = {spec: float("inf") for spec in models}
    for _ in range(args.repeats):
        for spec, model in models.items():
            model._text_cache.clear()  # the memo would make every repeat after the first free
            start = time.perf_counter()
            model.encode_text(list(PROMPTS))
            best[spec] = min(best[spec], time.perf_counter() - start)
    first = next(iter(best.values()))
    for spec, seconds in best.items():
        print(f"{spec:>15}: 100 prompts in {seconds:.3f} s ({seconds / first:.2f}x the first) "
              f"{'within' if seconds <= 0.5 else 'ABOVE'} the 0.5 s aim")


if __name__ == "__main__":
    main()
