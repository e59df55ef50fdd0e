"""OpenAI's CLIP text design (ViT-B-32, random weights) on a CPU: 100 prompts padded to the 77-token context
(open_clip's ``encode_text``) vs run on the batch's real length (what ``ClipModel.encode_text`` does now), side by
side, interleaved, the best of the repeats; the features agree to float precision (printed).

    python bench/causal_text_trim.py [--repeats 3]
"""
import argparse
import tempfile
import time

import torch

import clipnb

from prompt_encoding import PROMPTS  # bench/, the folder of this script, is on the path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import open_clip
    from safetensors.torch import save_file

    with tempfile.TemporaryDirectory() as folder:
        torch.manual_seed(0)
        vit = open_clip.create_model("ViT-B-32")
        save_file({k: v.contiguous() for k, v in vit.state_dict().items()}, f"{folder}/vit.safetensors")
        model = clipnb.load_model(f"ViT-B-32:{folder}/vit.safetensors", device="cpu")
    model.progress = False
    tokens = model.tokenizer(PROMPTS)
    padded, trimmed = float("inf"), float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        with torch.inference_mode():
            full = torch.cat([model.model.encode_text(tokens[i:i + 64]) for i in range(0, len(tokens), 64)])
        padded = min(padded, time.perf_counter() - start)
        model._text_cache.clear()
        start = time.perf_counter()
        ours = model.encode_text(PROMPTS)
        trimmed = min(trimmed, time.perf_counter() - start)
    difference = (torch.nn.functional.normalize(full, dim=-1) - ours).abs().max().item()
    print(f"100 prompts, ViT-B-32 text tower: padded to 77 tokens {padded:.3f} s, real length "
          f"{int((tokens != 0).sum(1).max())} tokens {trimmed:.3f} s: {padded / trimmed:.1f}× faster; "
          f"largest feature difference {difference:.1e}")


if __name__ == "__main__":
    main()
