"""The bundled image tower on a CPU: BatchNorm folded into the convolutions or not, 8 or 64 images a batch,
side by side on the same preprocessed sample images (interleaved repeats, the best of each).

    python bench/image_tower_cpu.py [--images 256]

"unfolded, 64" is how clipnb ran the tower before; "folded, 8" is what ``load_model`` gives on a CPU now
(:func:`clipnb.models.fold_batch_norm`, ``CPU_IMAGE_BATCH``). The features agree to float precision (printed).
"""
import argparse
import time

import torch

import clipnb
from clipnb.images import load_image
from clipnb.models import _create, fold_batch_norm


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    model, preprocess, _ = _create("bundled", "cpu")
    model.eval()
    unfolded = model.visual.to(memory_format=torch.channels_last)
    folded = fold_batch_norm(unfolded).to(memory_format=torch.channels_last)
    samples = sorted(clipnb.samples_dir().rglob("*.png")) + sorted(clipnb.samples_dir().rglob("*.jpg"))
    paths = [samples[i % len(samples)] for i in range(args.images)]
    images = torch.stack([preprocess(load_image(p)) for p in paths]).contiguous(memory_format=torch.channels_last)
    setups = {"unfolded, 64 a batch (before)": (unfolded, 64), "unfolded, 8 a batch": (unfolded, 8),
              "folded, 64 a batch": (folded, 64), "folded, 8 a batch (now)": (folded, 8)}
    best = {name: float("inf") for name in setups}
    with torch.inference_mode():
        difference = (unfolded(images[:8]) - folded(images[:8])).abs().max().item()
        for _ in range(args.repeats):
            for name, (tower, batch) in setups.items():
                start = time.perf_counter()
                for i in range(0, len(images), batch):
                    tower(images[i:i + batch])
                best[name] = min(best[name], time.perf_counter() - start)
    before = best["unfolded, 64 a batch (before)"]
    print(f"{args.images} images, {torch.get_num_threads()} threads; largest feature difference folded vs not: {difference:.1e}")
    for name, seconds in best.items():
        print(f"{name:<32} {args.images / seconds:6.1f} img/s   {before / seconds:4.2f}× the speed before")


if __name__ == "__main__":
    main()
