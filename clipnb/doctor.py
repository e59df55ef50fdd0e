"""``clipnb doctor``: a setup check an instructor can ask every learner to run.

Each line is ``ok``, ``warn`` (works, but read the advice) or ``fail`` (fix this first), with what
to do. The command exits with status 1 when a check fails.
"""
from __future__ import annotations

import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MIN_FREE_GB = 2.0  # room for one CLIP model's weights and a few corpus caches


@dataclass
class Check:
    status: str  # "ok", "warn" or "fail"
    what: str
    detail: str
    advice: str = ""

    def line(self, columns: int = 100, colour: bool = False, width: int = 18) -> str:
        """The check as text wrapped to ``columns``: status, what, detail; the advice indented below."""
        import textwrap

        indent = " " * (9 + width)  # under the detail
        status = f"{self.status:<5}"
        if colour:  # green / yellow / red, only on a terminal (and never with NO_COLOR)
            status = f"\033[{ {'ok': 32, 'warn': 33, 'fail': 31}[self.status]}m{status}\033[0m"
        text = textwrap.fill(f"{self.what:<{width}} {self.detail}", columns - 8, subsequent_indent=" " * (width + 1))
        text = f"  {status} " + text.replace("\n", "\n        ")
        if self.advice:
            text += "\n" + textwrap.fill(f"→ {self.advice}", columns, initial_indent=indent, subsequent_indent=indent + "  ")
        return text


def _python() -> Check:
    version = platform.python_version()
    if sys.version_info < (3, 10):
        return Check("fail", "Python", version, "clipnb needs Python 3.10 or newer: install a newer Python")
    return Check("ok", "Python", f"{version} ({sys.executable})")


def _package(module: str, what: str, advice: str) -> Check:
    import importlib

    try:
        imported = importlib.import_module(module)
    except Exception as error:  # noqa: BLE001 -- any import failure is this check's finding
        return Check("fail", what, f"cannot import {module}: {error}", advice)
    return Check("ok", what, getattr(imported, "__version__", "?"))


def _clipnb() -> Check:
    import clipnb
    from clipnb.cache import DATA_DIR, NOTEBOOKS_DIR
    from clipnb.models import BUNDLED_MODELS, WHEEL_LEAVES_OUT, bundled_model_dir

    missing = [spec for spec in BUNDLED_MODELS if spec not in WHEEL_LEAVES_OUT
               and not (bundled_model_dir(spec) / "open_clip_model.safetensors").exists()]
    if missing or not (NOTEBOOKS_DIR / "00_start_here.ipynb").exists():
        return Check("fail", "clipnb", f"{clipnb.__version__}, incomplete: missing {missing or 'the notebooks'} in "
                     f"{DATA_DIR.parent}", "reinstall: pip install --force-reinstall clipnb (or re-clone the repository)")
    return Check("ok", "clipnb", f"{clipnb.__version__}, models and samples in {DATA_DIR}")


def _device() -> Check:
    import torch

    from clipnb.models import pick_device

    device = pick_device()
    if device == "cuda":
        return Check("ok", "device", f"cuda: {torch.cuda.get_device_name(0)}")
    if device == "mps":
        return Check("ok", "device", "mps (Apple GPU)")
    return Check("ok", "device", f"cpu, {torch.get_num_threads()} threads (the notebooks are made for a CPU)")


def _folder(what: str, path: Path) -> Check:
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free / 1e9
    if not os.access(existing, os.W_OK):
        return Check("fail", what, f"{path} cannot be written", f"set {'CLIPNB_CACHE' if what == 'clipnb cache' else 'HF_HOME'}"
                     " to a folder you can write to")
    if free < MIN_FREE_GB:
        return Check("warn", what, f"{path}, {free:.1f} GB free", f"free some space: a CLIP model needs up to 1 GB, "
                     f"the caches a few hundred MB (or set {'CLIPNB_CACHE' if what == 'clipnb cache' else 'HF_HOME'})")
    return Check("ok", what, f"{path}, {free:.0f} GB free")


def _cached_models() -> Check:
    from clipnb.kit import cached_models
    from clipnb.models import TALK_MODEL

    found = cached_models()
    specs = [specs[0] for specs in found.values()]
    if not specs:
        return Check("warn", "cached models", "none (the notebooks use the bundled model, which needs no download)",
                     f"for the talk's model: clipnb fetch-model {TALK_MODEL}, or clipnb unpack-models DIR from the "
                     "instructor's kit")
    if not any(TALK_MODEL in group for group in found.values()):
        return Check("ok", "cached models", ", ".join(specs) + f" (not the talk's {TALK_MODEL})")
    return Check("ok", "cached models", ", ".join(specs))


def _hub() -> Check:
    from clipnb.models import hub_reachable

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    if hub_reachable():
        return Check("ok", "hub", f"{endpoint} reachable")
    why = "not tried: HF_HUB_OFFLINE is set" if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes") \
        else "unreachable"
    return Check("warn", "hub", f"{endpoint} {why}",
                 "fine for the bundled model; for other models use the instructor's kit: clipnb unpack-models DIR")


def _bundled_model() -> Check:
    import clipnb
    from clipnb.samples import cat_images

    start = time.perf_counter()
    try:
        model = clipnb.load_model("bundled")
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        prompts = ["a cat", "a dog", "a monkey", "a cheeseburger"]
        scores = model.encode_image(cat_images()[:1]) @ model.encode_text(prompts).T
        encoded = time.perf_counter() - start
    except Exception as error:  # noqa: BLE001 -- the check reports whatever went wrong
        return Check("fail", "bundled model", f"{type(error).__name__}: {error}",
                     "run clipnb doctor again after reinstalling clipnb; if it still fails, show this line to the instructor")
    first = prompts[int(scores.argmax())]
    detail = f"loads in {loaded:.1f} s, encodes in {encoded:.2f} s; a cat emoji reads as {first!r}"
    if first != "a cat":
        return Check("warn", "bundled model", detail, "the weights may be damaged: reinstall clipnb")
    return Check("ok", "bundled model", detail)


def checks(load_bundled: bool = True):
    """Yield the checks one by one (each runs when asked for, so a slow one shows progress)."""
    yield _python()
    yield _clipnb()
    yield _package("torch", "torch", "pip install torch (see pytorch.org for your platform)")
    yield _package("open_clip", "open_clip", "pip install open_clip_torch")
    # the bundled model's text tower is open_clip's Hugging Face tower (all-MiniLM-L6-v2): transformers reads it
    yield _package("transformers", "transformers", "pip install transformers (the bundled model's text tower needs it)")
    lab = _package("jupyterlab", "jupyterlab", 'for clipnb lab: pip install "clipnb[lab]" (Colab and VS Code need none)')
    yield lab if lab.status == "ok" else Check("warn", lab.what, lab.detail, lab.advice)  # optional, not a failure
    yield _device()
    from clipnb.cache import cache_dir
    from clipnb.models import hf_cache_dir

    yield _folder("clipnb cache", cache_dir())
    yield _folder("weights cache", Path(hf_cache_dir()))
    yield _cached_models()
    yield _hub()
    if load_bundled:
        yield _bundled_model()


def run_checks(load_bundled: bool = True, out=None) -> int:
    """Print every check; return how many failed."""
    out = out or sys.stdout
    columns = min(shutil.get_terminal_size((100, 24)).columns, 120)
    colour = hasattr(out, "isatty") and out.isatty() and not os.environ.get("NO_COLOR")
    print("clipnb doctor: is this machine ready?\n(ok: fine · warn: works, read the advice · fail: fix it first)\n", file=out)
    counts = {"ok": 0, "warn": 0, "fail": 0}
    for check in checks(load_bundled):
        counts[check.status] += 1
        print(check.line(columns, colour), file=out, flush=True)
    verdict = "ready" if not counts["fail"] else "not ready: fix the lines marked fail"
    print(f"\n{counts['ok']} ok, {counts['warn']} warn, {counts['fail']} fail: {verdict}", file=out)
    return counts["fail"]
