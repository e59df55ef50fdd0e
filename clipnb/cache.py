"""Where clipnb keeps what it computes: ``$CLIPNB_CACHE``, else ``~/.cache/clipnb``."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache root (created on demand). Set ``CLIPNB_CACHE`` to move it."""
    root = os.environ.get("CLIPNB_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clipnb"
    return Path(root).expanduser()
