"""The repository's own rules: clean notebooks, one dependency list, CI calls make test."""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))


def test_notebooks_are_stripped():
    result = subprocess.run([sys.executable, "-m", "nbstripout", "--verify", *map(str, NOTEBOOKS + SOLUTIONS)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"notebooks carry outputs; run `make clean-notebooks`:\n{result.stdout}{result.stderr}"


def test_notebooks_are_named_and_listed():
    readme = (ROOT / "README.md").read_text()
    assert NOTEBOOKS
    for nb in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", nb.name), nb.name
        assert nb.name in readme, f"{nb.name} is missing from README.md's table"


def test_environment_yml_hands_pyproject_to_pip():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_entries = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_entries == ["-e .[dev]"], "environment.yml must install the project itself, not its own list"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    python_pin = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    major_minor = tuple(int(x) for x in python_pin.split("=")[1].split(".")[:2])
    minimum = tuple(int(x) for x in re.search(r">=\s*([\d.]+)", project["requires-python"]).group(1).split("."))
    assert major_minor >= minimum
    assert "dev" in project["optional-dependencies"]


def test_pyproject_admits_the_torch_that_installs_here():
    from packaging.requirements import Requirement

    deps = {Requirement(d).name: Requirement(d) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    assert deps["torch"].specifier.contains("2.14.1")
    assert deps["torchvision"].specifier.contains("0.29.1")


def test_ci_calls_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _readme_row(name: str) -> str:
    return next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith(f"| [`{name}"))


def test_the_readmes_notebook_table_states_what_the_notebooks_do():
    """Every count the README's notebook table states is the one the notebooks compute with."""
    import clipnb
    from clipnb import samples

    groups = samples.gender_groups()
    row = _readme_row("04_embedded_bias")
    men, women = map(int, re.search(r"(\d+) man and (\d+) woman", row).groups())
    assert (men, women) == (len(groups["man"]), len(groups["woman"])), row
    probability, loss = re.search(r"P ≈ ([\d.]+), loss ([\d.]+)", _readme_row("02_how_clip")).groups()
    source = (ROOT / "notebooks" / "02_how_clip_is_trained.ipynb").read_text()
    assert f"== {probability}" in source and f"== {float(loss):g}" in source
    suite = re.search(r"the (\d+) solution notebooks after them", (ROOT / "README.md").read_text())
    assert int(suite.group(1)) == len(SOLUTIONS)
    assert clipnb.samples_dir().exists()


def _imports_of(path: Path) -> set[str]:
    """The clipnb / clipnb_train modules a file imports, at the top or inside functions."""
    import ast

    found = set()
    package = path.parent.name
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module if node.level == 0 else f"{package}.{node.module}"
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}  # from clipnb import claims
    modules = {f"{p.parent.name}.{p.stem}" for pkg in ("clipnb", "clipnb_train") for p in (ROOT / pkg).glob("*.py")}
    return {m for m in found if m in modules} - {f"{package}.{path.stem}"}


def test_the_runtime_never_names_the_factory():
    """clipnb is what users import; clipnb_train (how the bundled models are made) imports it, never the reverse."""
    offenders = [p.name for p in (ROOT / "clipnb").glob("*.py") if "clipnb_train" in p.read_text()]
    assert not offenders, f"clipnb modules that name clipnb_train: {offenders}"


def test_no_import_circles():
    graph = {f"{p.parent.name}.{p.stem}": _imports_of(p) for pkg in ("clipnb", "clipnb_train")
             for p in (ROOT / pkg).glob("*.py") if p.stem != "__init__"}
    graph = {m: {d for d in deps if not d.endswith(".__init__")} for m, deps in graph.items()}

    def reaches(start, target, seen):
        for d in graph.get(start, ()):
            if d == target or (d not in seen and (seen.add(d) or reaches(d, target, seen))):
                return True
        return False

    circles = sorted(m for m in graph if reaches(m, m, set()))
    assert not circles, f"modules on an import circle: {circles}"


def test_using_clipnb_leaves_the_factory_unloaded(tmp_path):
    """A search, a claim with its random-weight null and a comparison run without loading clipnb_train."""
    code = """
import sys, clipnb
from clipnb import claims, compare, nulls, samples
model = clipnb.load_model("bundled", device="cpu")
corpus = clipnb.sample_corpus(model, progress=False)
assert len(corpus.search("a cat", k=3)) == 3
judged = nulls.check(claims.cat_beats_dog_and_monkey, model, samples.cat_images(), n=1)
assert judged.result.status in (claims.HOLDS, claims.FAILS), judged
table, errors, _ = compare.compare(["bundled"], sys.argv[1], progress=False, null=1)
assert not errors and len(table), errors
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "clipnb_train")
assert not loaded, loaded
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "report")], capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]


def test_make_model_reproduces_the_shipped_training_runs():
    """Each `--out data/models/X` command in the Makefile names the epochs and seed X was trained with."""
    import json

    from clipnb_train.training import TrainConfig

    commands = re.findall(r"clipnb_train\.training((?:[^\n]*\\\n)*[^\n]*)", (ROOT / "Makefile").read_text())
    checked = set()
    for command in commands:
        flags = dict(re.findall(r"--([a-z-]+) ('[^']*'|\S+)", command.replace("\\\n", " ")))
        if not flags.get("out", "").startswith("data/models/"):
            continue
        config = json.loads((ROOT / flags["out"] / "open_clip_config.json").read_text())["clipnb"]
        epochs = int(flags.get("epochs", TrainConfig.epochs))
        seed = int(flags.get("seed", TrainConfig.seed))
        assert (config["epochs"], config["seed"]) == (epochs, seed), (
            f"`make` trains {flags['out']} for {epochs} epochs with seed {seed}, but the shipped model says "
            f"{config['epochs']} epochs, seed {config['seed']}: make the Makefile say what was run")
        checked.add(Path(flags["out"]).name)
    assert {"clipnb-v3-s", "clipnb-english-s", "clipnb-emoji-s"} <= checked, checked


def test_make_model_reproduces_the_shipped_lit_runs():
    """Each `clipnb_train.lit --out data/models/X` command in the Makefile, read with the trainer's own defaults, is
    the recipe X records (every field: steps, views, seed, weights, shares ...)."""
    import json
    import shlex
    from dataclasses import asdict

    from clipnb_train.lit import LitConfig

    makefile = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^([A-Z_]+) :?= (.*)$", makefile, re.M))
    commands = re.findall(r"clipnb_train\.lit((?:[^\n]*\\\n)*[^\n]*)", makefile)
    checked = set()
    for command in commands:
        command = re.sub(r"\$\(([A-Z_]+)\)", lambda m: variables[m.group(1)], command.replace("\\\n", " "))
        words = shlex.split(command.replace("$$", "$"))
        flags = {w[2:].replace("-", "_"): v for w, v in zip(words, words[1:]) if w.startswith("--")}
        config = LitConfig(**{k: type(getattr(LitConfig, k))(v) for k, v in flags.items()})
        recorded = json.loads((ROOT / config.out / "open_clip_config.json").read_text())["clipnb"]["recipe"]
        assert recorded == asdict(config), {k: (recorded.get(k), v) for k, v in asdict(config).items()
                                            if recorded.get(k) != v}
        checked.add(Path(config.out).name)
    assert checked == {"clipnb-v4-lit", "clipnb-v4-lit-skewed"}, checked
