"""Encoding pipeline throughput vs the raw model forward on pre-decoded tensors, side by side.

    python bench/encode_throughput.py [--images 512]

pipeline = model.encode_image_files(paths): decode (threads) + preprocess + forward + normalise.
raw      = model.model.encode_image(batch) on tensors decoded and preprocessed beforehand.
Ratio = raw time / pipeline time (goal >= 0.9: the pipeline adds < 10 %). The bundled model, the previous one
(bundled:v3, a 96-pixel RegNet) and ViT-B-32 with random weights; the last column is each model's pipeline time
for the 674 sample images (the aim for the bundled model: <= 20 s on 2 cores).
"""
import argparse
import tempfile
import time

import torch

import clipnb
from clipnb.images import load_image


def measure(model, paths):
    tensors = torch.stack([model.preprocess(load_image(p)) for p in paths])
    model.encode_image_files(paths[: model.batch_size])  # warm-up
    results = []
    for _ in range(2):  # interleaved repeats
        start = time.perf_counter()
        model.encode_image_files(paths)
        pipeline = time.perf_counter() - start
        start = time.perf_counter()
        with torch.inference_mode():
            for i in range(0, len(tensors), model.batch_size):
                model.model.encode_image(tensors[i:i + model.batch_size])
        raw = time.perf_counter() - start
        results.append((pipeline, raw))
    pipeline, raw = min(r[0] for r in results), min(r[1] for r in results)
    return len(paths) / pipeline, len(paths) / raw, raw / pipeline


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=512)
    args = parser.parse_args()
    samples = sorted(clipnb.samples_dir().rglob("*.png")) + sorted(clipnb.samples_dir().rglob("*.jpg"))
    paths = [samples[i % len(samples)] for i in range(args.images)]
    with tempfile.TemporaryDirectory() as folder:
        import open_clip
        from safetensors.torch import save_file

        vit = open_clip.create_model("ViT-B-32")
        save_file({k: v.contiguous() for k, v in vit.state_dict().items()}, f"{folder}/vit.safetensors")
        models = {"bundled": clipnb.load_model("bundled", device="cpu"),
                  "bundled:v3": clipnb.load_model("bundled:v3", device="cpu"),
                  "ViT-B-32 (random weights)": clipnb.load_model(f"ViT-B-32:{folder}/vit.safetensors", device="cpu")}
    print(f"{'model':<26} {'pipeline img/s':>14} {'raw forward img/s':>17} {'ratio':>6} {'674 samples':>12}")
    for name, model in models.items():
        n = args.images if name.startswith("bundled") else min(args.images, 128)
        pipeline, raw, ratio = measure(model, paths[:n])
        print(f"{name:<26} {pipeline:>14.0f} {raw:>17.0f} {ratio:>6.2f} {674 / pipeline:>10.1f} s")


if __name__ == "__main__":
    main()
