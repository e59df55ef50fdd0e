"""Wall time of `python -m clipnb.compare` over five models, each against its random-weight null:
the three bundled models (one small architecture: up to 19 twins, shared; the subtractions against 40 control
words), and random-weight ViT-B-32 and
MobileCLIP-S2 (2 twins each by default: over 30M parameters). Run twice in fresh processes on one
fresh cache: cold (every corpus embedded, every twin built) and warm (what a rerun costs).

    python bench/compare_models.py
"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AIM_S = 300

BUILD = """
import torch, open_clip, sys
from pathlib import Path
from clipnb_train import training
for name in ("ViT-B-32", "MobileCLIP-S2"):
    out = Path(sys.argv[1]) / name
    torch.manual_seed(0)
    model = open_clip.create_model(name, pretrained=None)
    training.export_model(model, out, config=open_clip.get_model_config(name), name=f"random {name}")
"""


def main():
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "CLIPNB_CACHE": cache, "HF_HUB_OFFLINE": "1"}
        env.pop("CLIPNB_NULL_MODELS", None)  # the default policy: up to 19 twins, 2 for large architectures' corpus claims
        subprocess.run([sys.executable, "-c", BUILD, cache], env=env, check=True, capture_output=True)
        models = ",".join(["bundled", "bundled:clipart", "bundled:skewed",
                           f"vit-b-32-random=local-dir:{cache}/ViT-B-32",
                           f"mobileclip-s2-random=local-dir:{cache}/MobileCLIP-S2"])
        times = {}
        for run in ("cold", "warm"):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "clipnb.compare", "--models", models, "--out",
                                  f"{cache}/report-{run}"], env=env, capture_output=True, text=True, cwd=ROOT)
            times[run] = time.perf_counter() - start
            if out.returncode:
                sys.exit(out.stderr[-3000:])
        print(out.stdout)
    for run, seconds in times.items():
        print(f"compare, 5 models with nulls, {run:<4}: {seconds:6.1f} s  ({seconds / AIM_S:.2f}× the {AIM_S} s aim)")
    print(f"warm / cold: {times['warm'] / times['cold']:.2f}")


if __name__ == "__main__":
    main()
