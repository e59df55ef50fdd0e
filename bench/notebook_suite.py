"""Wall time of the notebook suite under nbval on the bundled model, from a fresh cache (cold), as `make test` runs it:
the 12 notebooks first (the aim: 3 minutes), then the exercise solutions on the cache the 12 left.

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


def run(paths, env):
    """pytest --nbval-lax on these notebooks: (wall seconds, {notebook: seconds in its cells}, pytest's last line, failures)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--durations=0", "-p", "no:cacheprovider",
                          *map(str, paths)], env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    per_notebook = {}
    for line in out.stdout.splitlines():
        m = re.match(r"\s*([\d.]+)s call\s+notebooks/(\S+\.ipynb)::", line)
        if m:
            per_notebook[m.group(2)] = per_notebook.get(m.group(2), 0) + float(m.group(1))
    lines = out.stdout.strip().splitlines()
    return wall, per_notebook, lines[-1] if lines else out.stderr[-300:], [x for x in lines if x.startswith("FAILED")]


def main():
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "CLIPNB_MODEL": "bundled", "CLIPNB_CACHE": cache,
               "CLIPNB_NULL_MODELS": os.environ.get("CLIPNB_NULL_MODELS", "3")}  # as `make test` runs it
        for title, paths in (("the 12 notebooks, cold", sorted((ROOT / "notebooks").glob("*.ipynb"))),
                             ("the solutions, after them", sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb")))):
            wall, per_notebook, last, failed = run(paths, env)
            for name, seconds in sorted(per_notebook.items()):
                print(f"  {name:<44} {seconds:6.1f} s")
            print(f"{title + ' (wall, kernel starts included)':<46} {wall:6.1f} s   "
                  f"(cells {sum(per_notebook.values()):.1f} s)   [{last}]")
            for line in failed:   # a failing cell is named, not only counted
                print(line)


if __name__ == "__main__":
    main()
