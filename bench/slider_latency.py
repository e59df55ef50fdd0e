"""Slider move -> new grid latency of the query builder, at 10k and 100k images, side by side.

    python bench/slider_latency.py [--sizes 10000 100000] [--moves 60]

The corpus embeddings are synthetic (random unit vectors: ranking cost does not depend on their
values); texts are encoded by real models: the bundled one (D=128) and ViT-B-32 with random
weights (D=512, the width of the talk's MobileCLIP-S2). Each move sets a weight slider through the
widget, which composes the query, ranks every image and renders the HTML grid, as in JupyterLab
(minus the browser's own drawing). Prints p50 / p95 per size and the 100k/10k ratio.
"""
import argparse
import tempfile
import time

import numpy as np
import pandas as pd

import clipnb
from clipnb import ImageCorpus
from clipnb.widgets import QueryBuilder


def synthetic_corpus(model, n, seed=0):
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n, model.embed_dim), dtype=np.float32)
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    samples = sorted(str(p) for p in clipnb.samples_dir().rglob("*.png"))
    table = pd.DataFrame({"path": [samples[i % len(samples)] for i in range(n)], "caption": ""})
    return ImageCorpus(model, features, table, name=f"synthetic-{n}")


def measure(model, n, moves):
    corpus = synthetic_corpus(model, n)
    builder = QueryBuilder(corpus, "a person running in front of trees - 0.3*winter - 0.5*forest", k=12, delay=0)
    weights = np.linspace(-2, 2, moves)
    for w in weights[:5]:  # warm-up: thumbnails and text embeddings memoised, as after the first moves
        builder.rows[1].weight.value = float(w)
    times = []
    for w in weights:
        start = time.perf_counter()
        builder.rows[1].weight.value = float(round(w, 3))
        times.append((time.perf_counter() - start) * 1000)
    return np.percentile(times, 50), np.percentile(times, 95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--moves", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        import open_clip
        from safetensors.torch import save_file

        vit = open_clip.create_model("ViT-B-32")
        save_file({k: v.contiguous() for k, v in vit.state_dict().items()}, f"{folder}/vit.safetensors")
        models = [clipnb.load_model("bundled", device="cpu"),
                  clipnb.load_model(f"ViT-B-32:{folder}/vit.safetensors", device="cpu")]
    print(f"{'model':<12} {'D':>4} " + " ".join(f"{n:>8} p50/p95 ms" for n in args.sizes) + "   p95 ratio")
    for model in models:
        results = [measure(model, n, args.moves) for n in args.sizes]
        cells = " ".join(f"{p50:>8.1f} / {p95:<8.1f}" for p50, p95 in results)
        name = "bundled" if model.name == "bundled" else "ViT-B-32"
        print(f"{name:<12} {model.embed_dim:>4} {cells}   {results[-1][1] / results[0][1]:.1f}x")


if __name__ == "__main__":
    main()
