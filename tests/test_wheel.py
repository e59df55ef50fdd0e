"""The wheel, tried as a new user would: built, checked, installed into a fresh venv in an empty folder,
and the notebooks run there offline with no source checkout in sight."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from clipnb.models import BUNDLED_MODELS, WHEEL_LEAVES_OUT

ROOT = Path(__file__).resolve().parent.parent
MAX_WHEEL_MB = 100


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel`` of a clean copy of the source (a stale build/ folder must not leak into it)."""
    source = tmp_path_factory.mktemp("source") / "clipnb"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "test-artifacts", "checkpoint", "__pycache__", ".ipynb_checkpoints",
        "compare-report"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out)], check=True, capture_output=True)
    (built,) = out.glob("clipnb-*.whl")
    return built


def test_the_wheel_carries_models_samples_and_notebooks(wheel):
    size_mb = wheel.stat().st_size / 1e6
    assert size_mb <= MAX_WHEEL_MB, f"the wheel is {size_mb:.1f} MB, over {MAX_WHEEL_MB} MB"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        captions = list(csv.DictReader(io.TextIOWrapper(archive.open("clipnb/data/samples/captions.csv"))))
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    for spec, folder in BUNDLED_MODELS.items():
        files = {f"clipnb/data/models/{folder}/open_clip_config.json",
                 f"clipnb/data/models/{folder}/open_clip_model.safetensors"}
        if spec in WHEEL_LEAVES_OUT:  # pyproject's exclude-package-data
            assert not files & names, f"{spec} was left out of the wheel to keep it small"
        else:
            assert files <= names
    text_files = {f"clipnb/data/models/{BUNDLED_MODELS['bundled']}/{name}"
                  for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")}
    assert text_files <= names, "the bundled text tower's config and tokenizer must travel with its weights"
    assert not [n for n in names if "/checkpoint/" in n], "training checkpoints must stay out of the wheel"
    assert {"clipnb/data/CREDITS.md", "clipnb/data/README.md", "clipnb/data/licenses/Apache-2.0.txt"} <= names
    assert len(captions) > 600 and all(f"clipnb/data/samples/{row['image_path']}" in names for row in captions)
    notebooks = {f"clipnb/notebooks/{p.relative_to(ROOT / 'notebooks').as_posix()}"
                 for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    assert len(notebooks) >= 12 and notebooks <= names
    assert "clipnb = clipnb.cli:main" in entry_points


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
for name in sys.argv[1:]:
    notebook = nbformat.read(name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    print("executed", name, flush=True)
"""


def test_a_fresh_venv_runs_the_notebooks_offline(wheel, tmp_path):
    """Install the wheel into a new venv (torch and the rest from the same index, at the versions of this
    environment), then, from an empty folder with a new HOME and no network: copy the notebooks, run the
    doctor, and execute notebooks 00 and 06."""
    constraints = tmp_path / "constraints.txt"
    frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"])
    constraints.write_text("\n".join(line for line in frozen.splitlines() if not line.startswith("clipnb")))
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
    # the README's route; --no-compile: Python compiles what the notebooks import as they import it, and precompiling
    # every module of torch, transformers and JupyterLab only costs this test time
    _run([str(python), "-m", "pip", "install", "-q", "--no-compile", "--constraint", str(constraints), f"{wheel}[lab]"])

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PATH": f"{python.parent}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub"), "CLIPNB_CACHE": str(tmp_path / "cache"),
           "CLIPNB_MODEL": "bundled", "LANG": "C.UTF-8"}
    where = _run([str(python), "-c", "import clipnb, clipnb.cache as c; print(clipnb.__file__); print(c.DATA_DIR)"],
                 cwd=empty, env=env).split()
    assert all(Path(p).is_relative_to(tmp_path / "venv") for p in where), where  # not the checkout
    clipnb = str(python.parent / "clipnb")
    _run([clipnb, "notebooks", "./w"], cwd=empty, env=env)
    doctor = _run([clipnb, "doctor"], cwd=empty, env=env)
    assert "ok    bundled model" in doctor and "0 fail" in doctor, doctor
    (empty / "execute.py").write_text(EXECUTE)
    out = _run([str(python), "../execute.py", "00_start_here.ipynb", "06_search_math.ipynb"], cwd=empty / "w", env=env,
               timeout=900)
    assert out.count("executed") == 2
    assert json.loads((empty / "w" / "00_start_here.ipynb").read_text())["cells"]  # the learner's copy is intact
