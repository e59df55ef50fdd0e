"""Approximate nearest-neighbour search with FAISS, for corpora too big to scan on every query.

Below ``ANN_THRESHOLD`` images a brute-force matrix product is exact and fast enough; above it an
HNSW graph index (inner product = cosine on unit vectors) answers in well under a millisecond per
query. The index is built once and saved beside the embeddings.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ANN_THRESHOLD = 200_000
HNSW_NEIGHBOURS = 32
EF_SEARCH = 128


def build_index(features, neighbours: int = HNSW_NEIGHBOURS, ef_construction: int = 80):
    """An HNSW index over unit vectors (inner product)."""
    import faiss

    features = np.ascontiguousarray(features, dtype=np.float32)
    index = faiss.IndexHNSWFlat(features.shape[1], neighbours, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    index.add(features)
    index.hnsw.efSearch = EF_SEARCH
    return index


def save_index(index, path: Path):
    import faiss

    tmp = path.with_name(path.name + ".tmp")
    faiss.write_index(index, str(tmp))
    os.replace(tmp, path)


def load_index(path: Path, count: int, dim: int):
    """The saved index, or None if it is missing or does not match (count, dim)."""
    import faiss

    if not path.exists():
        return None
    try:
        index = faiss.read_index(str(path))
    except RuntimeError:
        return None
    if index.ntotal != count or index.d != dim:
        return None
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = EF_SEARCH
    return index


def search(index, query: np.ndarray, k: int):
    """(indices, scores) of the k best rows for one unit query vector, best first."""
    scores, indices = index.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k)
    keep = indices[0] >= 0
    return indices[0][keep], scores[0][keep]


def recall_at_k(index, features, queries, k: int = 10) -> float:
    """Mean share of the exact top-k (brute force) that the index also returns."""
    features = np.asarray(features, np.float32)
    hits = 0
    for q in queries:
        exact = set(np.argpartition(-(features @ q), k)[:k])
        found, _ = search(index, q, k)
        hits += len(exact & set(found))
    return hits / (k * len(queries))
