"""The bundled model's training step on a CPU: memory layout and text length, side by side in one run.

    python bench/training_step.py [--batch 256] [--repeats 3]

* image tower forward + backward on a batch of 96-px images, NCHW (contiguous) vs channels_last;
* text tower forward + backward on the batch's captions, padded to the full 32 tokens vs trimmed to the
  batch's longest caption (``clipnb_train.distill.encode_trimmed``, exact: the attention is causal).
Ratios are old / new time (> 1: the new way is faster), each pair measured interleaved.
"""
import argparse
import os
import time

import torch

from clipnb_train import training
from clipnb_train.architectures import tokenizer_for_bundled
from clipnb_train.distill import encode_trimmed


def timed(step, repeats):
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - start) / repeats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    model = training.build_model()
    images = torch.randn(args.batch, 3, 96, 96)
    captions = ["a man running in front of trees in the snow", "a cat", "three apples", "a close-up of a man's face"]
    tokens = tokenizer_for_bundled()([captions[i % len(captions)] for i in range(args.batch)])
    rows = []
    for _ in range(2):  # interleaved: old, new, old, new
        model.visual.to(memory_format=torch.contiguous_format)
        nchw = timed(lambda: model.encode_image(images).sum().backward(), args.repeats)
        model.visual.to(memory_format=torch.channels_last)
        last = images.contiguous(memory_format=torch.channels_last)
        cl = timed(lambda: model.encode_image(last).sum().backward(), args.repeats)
        full = timed(lambda: model.encode_text(tokens).sum().backward(), args.repeats)
        trimmed = timed(lambda: encode_trimmed(model, tokens).sum().backward(), args.repeats)
        rows.append((nchw, cl, full, trimmed))
    nchw, cl, full, trimmed = (min(r[i] for r in rows) for i in range(4))
    print(f"image tower, batch {args.batch}: NCHW {nchw:.2f} s, channels_last {cl:.2f} s -> {nchw / cl:.2f}x")
    print(f"text tower, batch {args.batch}: 32 tokens {full:.2f} s, trimmed to {int((tokens != 0).sum(1).max())} "
          f"{trimmed:.2f} s -> {full / trimmed:.2f}x")


if __name__ == "__main__":
    main()
