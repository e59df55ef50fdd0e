"""clip-retrieval output at scale: 4 float16 shards of 1M×128 each, opened two ways, side by side.

    python bench/float16_shards.py [--rows 4000000]

* **copy**: what clipnb did before: read every shard and concatenate a float32 copy;
* **mapped**: ``ImageCorpus.from_clip_retrieval`` now: shards stay memory-mapped (``ShardedEmbeddings``),
  search runs block by block.

Each way runs in its own process, so its peak resident memory (ru_maxrss) is its own; the numbers are
the growth over the process after importing numpy, torch and clipnb (which every session has).
Goals (issue 13): resident ≤ 1.5 × the shards' size on disk; opening ≤ 1 s.
"""
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, resource, sys, time, warnings
import numpy as np
import torch  # loaded in every clipnb session (the models need it), so both ways start with it
from pathlib import Path
import clipnb.interop
folder, way = Path(sys.argv[1]), sys.argv[2]
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
if way == "copy":
    shards = sorted((folder / "img_emb").glob("*.npy"))
    features = np.concatenate([np.load(p).astype(np.float32) for p in shards])
    search = lambda q: features @ q
else:
    from clipnb.interop import ShardedEmbeddings
    shards = sorted((folder / "img_emb").glob("*.npy"))
    features = ShardedEmbeddings([np.load(p, mmap_mode="r") for p in shards])
    search = lambda q: features @ q
opened = time.perf_counter() - start
q = np.random.default_rng(1).standard_normal(features.shape[1]).astype(np.float32)
q /= np.linalg.norm(q)
times = []
for _ in range(3):
    t = time.perf_counter(); scores = search(q); times.append(time.perf_counter() - t)
top = np.argpartition(-scores, 10)[:10]
print(json.dumps({"open_s": opened, "search_s": float(np.median(times)),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - baseline,
                  "top": sorted(int(i) for i in top)}))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--dim", type=int, default=128)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "img_emb").mkdir()
        rng = np.random.default_rng(0)
        per = args.rows // 4
        for s in range(4):
            x = rng.standard_normal((per, args.dim), dtype=np.float32)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            np.save(folder / "img_emb" / f"img_emb_{s}.npy", x.astype(np.float16))
            del x
        disk_mb = sum(p.stat().st_size for p in (folder / "img_emb").glob("*.npy")) / 2**20
        results = {}
        for way in ["copy", "mapped"]:
            out = subprocess.run([sys.executable, "-c", CHILD, str(folder), way], capture_output=True, text=True,
                                 check=True)
            results[way] = json.loads(out.stdout)
    assert results["copy"]["top"] == results["mapped"]["top"], "both ways must find the same top 10"
    print(f"{args.rows:,} × {args.dim} float16 in 4 shards: {disk_mb:.0f} MB on disk")
    for way, r in results.items():
        print(f"{way:>7}: open {r['open_s']:.3f} s, one query {r['search_s']:.3f} s, "
              f"peak resident growth {r['peak_rss_mb']:.0f} MB ({r['peak_rss_mb'] / disk_mb:.2f} × disk)")
    c, m = results["copy"], results["mapped"]
    print(f"open: {c['open_s'] / m['open_s']:.0f}× faster mapped; peak memory: {c['peak_rss_mb'] / m['peak_rss_mb']:.1f}× "
          f"lower mapped; query: {m['search_s'] / c['search_s']:.2f}× the copy's time; same top 10: yes")


if __name__ == "__main__":
    main()
