"""Wall time of the whole notebook suite under nbval on the bundled model (a fresh cache, so cold).

    python bench/notebook_suite.py
"""
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "CLIPNB_MODEL": "bundled", "CLIPNB_CACHE": cache,
               "CLIPNB_NULL_MODELS": os.environ.get("CLIPNB_NULL_MODELS", "3")}  # as `make test` runs it
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--durations=0", "-p", "no:cacheprovider",
                              str(ROOT / "notebooks")], env=env, capture_output=True, text=True, cwd=ROOT)
        total = time.perf_counter() - start
    per_notebook = {}
    for line in out.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)s call\s+notebooks/(\S+\.ipynb)::", line)
        if m:
            per_notebook[m.group(2)] = per_notebook.get(m.group(2), 0) + float(m.group(1))
    for name, seconds in sorted(per_notebook.items()):
        print(f"{name:<40} {seconds:6.1f} s")
    print(f"{'whole suite (wall, incl. kernel starts)':<40} {total:6.1f} s   [{out.stdout.strip().splitlines()[-1]}]")
    for line in out.stdout.splitlines():   # a failing cell is named, not only counted
        if line.startswith("FAILED"):
            print(line)


if __name__ == "__main__":
    main()
