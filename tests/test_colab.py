"""The notebooks' Colab setup cell, both branches, by simulation (Colab cannot be reached from here),
and the README's "Open in Colab" links, all derived from the one repository address."""
import importlib.util
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("colab_tool", ROOT / "tools" / "colab.py")
colab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colab)


def _setup_cells():
    for path in colab.notebooks():
        cells = nbformat.read(path, as_version=4).cells
        code = [c for c in cells if c.cell_type == "code"]
        yield path.name, code[0]


def test_every_notebook_opens_with_the_same_small_setup_cell():
    for name, cell in _setup_cells():
        assert "colab-setup" in cell.metadata.get("tags", []), f"{name}: the first code cell is not the setup cell"
        assert cell.source == colab.setup_source(), f"{name}: out of step; run python tools/colab.py"
    assert len(colab.setup_source().splitlines()) <= 5  # readable at a glance


def test_setup_cells_and_readme_links_are_in_step_with_the_repository_url():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "colab.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, f"out of step (run python tools/colab.py): {result.stderr}"
    readme = (ROOT / "README.md").read_text()
    for path in colab.notebooks():
        assert f"[open]({colab.colab_link(path.name)})" in readme
    assert colab.colab_link("00_start_here.ipynb") == (
        "https://colab.research.google.com/github/" + colab.repository_url().removeprefix("https://github.com/")
        + "/blob/main/notebooks/00_start_here.ipynb")


def _simulate(source, on_colab, monkeypatch):
    """Run the cell as IPython would (magics transformed), with pip replaced by a recorder."""
    calls = []
    shell = types.SimpleNamespace(run_line_magic=lambda magic, line: calls.append((magic, line)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    before = set(sys.modules)
    exec(TransformerManager().transform_cell(source), {"get_ipython": lambda: shell})
    return calls, set(sys.modules) - before


@pytest.mark.parametrize("on_colab", [True, False])
def test_the_setup_cell_installs_on_colab_and_does_nothing_elsewhere(on_colab, monkeypatch):
    calls, imported = _simulate(colab.setup_source(), on_colab, monkeypatch)
    assert imported == set()  # nothing loaded, nothing changed
    if not on_colab:
        assert calls == []
        return
    ((magic, line),) = calls
    assert magic == "pip" and line.startswith("install -q ")
    requirement = Requirement(line.removeprefix("install -q ").strip('"'))
    assert requirement.name == "clipnb" and requirement.url == f"git+{colab.repository_url()}"
