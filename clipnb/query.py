"""Turn a query into one unit vector: text, an image (path or PIL), or an embedding."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from clipnb.images import is_image_path


def is_image_query(query) -> bool:
    """Path objects, PIL images, and strings naming an existing image file are images."""
    from PIL import Image

    if isinstance(query, (Image.Image, os.PathLike)):
        return True
    return isinstance(query, str) and is_image_path(query) and Path(query).expanduser().is_file()


def query_vector(model, query) -> np.ndarray:
    """A float32 unit vector of shape (D,) for ``query``."""
    if query is None:
        raise TypeError("query is None: give a text, an image path, a PIL image or an embedding")
    if is_image_query(query):
        return model.encode_image([query])[0].numpy()
    if isinstance(query, str):
        return model.encode_text([query])[0].numpy()
    if hasattr(query, "detach"):  # a torch tensor
        query = query.detach().cpu().numpy()
    if isinstance(query, np.ndarray):
        vector = np.asarray(query, np.float32).reshape(-1) if query.ndim == 2 and query.shape[0] == 1 else query
        if vector.shape != (model.embed_dim,):
            raise ValueError(f"an embedding query must have shape ({model.embed_dim},) for {model.name}, "
                             f"not {query.shape}")
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or norm < 1e-6:
            raise ValueError("the query embedding is zero (or not finite): it points nowhere, so nothing can be ranked")
        return (vector / norm).astype(np.float32)
    raise TypeError(f"cannot search with a {type(query).__name__}: give a text, an image path, a PIL image "
                    "or an embedding vector")
