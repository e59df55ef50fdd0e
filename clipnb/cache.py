"""Where clipnb keeps things: the one module that knows every location.

* shipped with the project: ``DATA_DIR`` (the sample images and the bundled models) and
  ``NOTEBOOKS_DIR``. A source checkout and an editable install keep them at the top of the repository
  (``data/``, ``notebooks/``); a wheel carries them inside the package (``clipnb/data``,
  ``clipnb/notebooks``). The installed copy is looked for first, so both read the same;
* computed here: ``cache_dir()`` = ``$CLIPNB_CACHE``, else ``$XDG_CACHE_HOME/clipnb``, else
  ``~/.cache/clipnb``, holding corpus embeddings, ANN indexes, data builds and datasets;
* CLIP weights: the Hugging Face cache (``clipnb.models.hf_cache_dir``, owned by huggingface_hub).
"""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str, marker: str) -> Path:
    """``clipnb/<name>`` in a wheel, else ``<repository>/<name>``; the one holding ``marker`` wins."""
    candidates = [_PACKAGE / name, _PACKAGE.parent / name]
    for candidate in candidates:
        if (candidate / marker).exists():
            return candidate
    return candidates[-1]  # an incomplete checkout: the error that follows names the repository's folder


DATA_DIR = _shipped("data", "models")
NOTEBOOKS_DIR = _shipped("notebooks", "00_start_here.ipynb")


def cache_dir() -> Path:
    """The cache root (created on demand). Set ``CLIPNB_CACHE`` to move it."""
    root = os.environ.get("CLIPNB_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clipnb"
    return Path(root).expanduser()


def samples_dir() -> Path:
    """The bundled sample images (``data/samples``) with their ``captions.csv``."""
    return DATA_DIR / "samples"


def models_dir() -> Path:
    """The bundled models' folders (``data/models``)."""
    return DATA_DIR / "models"


def corpora_dir() -> Path:
    """Corpus embedding caches, one folder per (image folder, model)."""
    return cache_dir() / "corpora"


def index_dir() -> Path:
    """ANN indexes, keyed to a fingerprint of the embeddings they were built from."""
    return cache_dir() / "ann"


def build_dir(name: str) -> Path:
    """A data build (``openclipart``, ``emoji``) or downloaded ``datasets``."""
    return cache_dir() / name


def file_sha256(path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MB blocks: the fingerprint caches and model kits are keyed by."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
