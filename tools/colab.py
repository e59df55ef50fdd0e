"""Keep the notebooks' Colab setup cells, the README's "Open in Colab" links and the docs' `pip install`
lines in step with the one repository address, ``[project.urls] Repository`` in pyproject.toml.

    python tools/colab.py           rewrite what is out of step
    python tools/colab.py --check   list what is out of step; exit 1 if anything is (the tests call this)
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
TAG = "colab-setup"
SETUP = '''\
# Colab only: installs clipnb (1-2 minutes, once per session). Elsewhere it does nothing.
import sys
if "google.colab" in sys.modules:
    %pip install -q "clipnb @ git+{url}"'''
ROW = re.compile(r"^\| \[`(?P<name>\d\d_\w+\.ipynb)`\]\(notebooks/(?P=name)\) \|")


def repository_url() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"].rstrip("/")


def setup_source(url: str | None = None) -> str:
    return SETUP.format(url=url or repository_url())


def colab_link(name: str, url: str | None = None) -> str:
    owner_repo = (url or repository_url()).removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/main/notebooks/{name}"


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _synced_notebook(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if TAG not in c.metadata.get("tags", [])]
    cell = nbformat.v4.new_code_cell(setup_source(), metadata={"tags": [TAG]})
    old = next((c for c in notebook.cells if TAG in c.metadata.get("tags", [])), None)
    if old is not None and "id" in old:
        cell["id"] = old["id"]
    first = 1 if cells and cells[0].cell_type == "markdown" else 0  # after the title
    notebook.cells = cells[:first] + [cell] + cells[first:]
    return notebook


PIP_URL = re.compile(r"(clipnb(?:\[lab\])? @ git\+)https://[^\"\s]+")
DOCS = ["README.md", "docs/WORKSHOP.md"]  # their `pip install "clipnb @ git+…"` lines follow the one address


def _synced_readme(text: str) -> str:
    text = PIP_URL.sub(lambda m: m.group(1) + repository_url(), text)
    lines = []
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            columns = [c.strip() for c in line.strip().strip("|").split(" | ")]
            columns = columns[:3] + [f"[open]({colab_link(match['name'])})"]
            line = "| " + " | ".join(columns) + " |"
        elif line.startswith("| notebook | what you see |"):
            line = "| notebook | what you see | time* | Colab |"
        elif line == "|---|---|---|" and lines and lines[-1].startswith("| notebook | what you see |"):
            line = "|---|---|---|---|"
        lines.append(line)
    return "\n".join(lines) + "\n"


def out_of_step() -> list[str]:
    stale = []
    for path in notebooks():
        current = nbformat.read(path, as_version=4)
        if nbformat.writes(_synced_notebook(path)) != nbformat.writes(current):
            stale.append(str(path.relative_to(ROOT)))
    for name in DOCS:
        text = (ROOT / name).read_text()
        if _synced_readme(text) != text:
            stale.append(name)
    return stale


def sync() -> list[str]:
    stale = out_of_step()
    for name in stale:
        path = ROOT / name
        if name in DOCS:
            path.write_text(_synced_readme(path.read_text()))
        else:
            nbformat.write(_synced_notebook(path), path)
    return stale


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        stale = out_of_step()
        print("\n".join(stale) or "in step", file=sys.stderr if stale else sys.stdout)
        sys.exit(1 if stale else 0)
    print("rewrote:", ", ".join(sync()) or "nothing")
