"""Approximate nearest-neighbour search with FAISS, for corpora too big to scan on every query.

Search is exact (a block-wise matrix product: about 0.3 s per query over a million float16 rows on
two cores) until you ask for an index: ``ImageCorpus(..., ann=True)`` or ``corpus.build_index()``.
Building an HNSW graph index (inner product = cosine on unit vectors) takes minutes at that size
(a progress bar shows it and its estimate), after which a query takes well under a millisecond.
A corpus whose index was built before uses it without being asked. The index is built once, keyed to a fingerprint of the embeddings it was built from, and kept
in clipnb's cache (never written into a folder of yours). On building, its recall@10 is measured
with the corpus's own vectors as queries; efSearch is raised until recall reaches ``TARGET_RECALL``,
and if it never does, search stays exact (brute force) and says so.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

INDEX_MIN_IMAGES = 20_000  # below this, exact search takes milliseconds and no index is looked up
EXACT_NOTICE_SECONDS = 1.0  # an exact search slower than this says once that an index would help
HNSW_NEIGHBOURS = 32
EF_SEARCH = 128
EF_SEARCH_STEPS = (128, 256, 512, 1024, 2048)
TARGET_RECALL = 0.95
RECALL_QUERIES = 200


def build_index(features, neighbours: int = HNSW_NEIGHBOURS, ef_construction: int = 80, progress: bool = False):
    """An HNSW index over unit vectors (inner product), added in blocks with a progress bar and its estimate."""
    import faiss
    from clipnb.progress import progress_bar as tqdm

    index = faiss.IndexHNSWFlat(features.shape[1], neighbours, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    block = 20_000
    with tqdm(total=len(features), desc="building the HNSW index", unit="image", disable=not progress) as bar:
        for start in range(0, len(features), block):
            index.add(np.ascontiguousarray(features[start:start + block], dtype=np.float32))
            bar.update(min(block, len(features) - start))
    index.hnsw.efSearch = EF_SEARCH
    return index


def cached_index(features, folder: Path, key: str):
    """(index or None, report or None) for ``key`` if one was built before; never builds."""
    import json

    report_path = folder / f"{key}.json"
    if not report_path.exists():
        return None, None
    report = json.loads(report_path.read_text())
    if not report["use_index"]:
        return None, report
    index = load_index(folder / f"{key}.faiss", len(features), features.shape[1])
    if index is not None:
        index.hnsw.efSearch = report["ef_search"]
        return index, report
    return None, None


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
    hits = 0
    for q in queries:
        exact = set(np.argpartition(-(np.asarray(features @ q.astype(features.dtype), np.float32)), k)[:k])
        found, _ = search(index, q, k)
        hits += len(exact & set(found))
    return hits / (k * len(queries))


def fingerprint(features, model_identity: str = "") -> str:
    """A content key for an embedding matrix: its shape, dtype and a strided sample of ~10k rows.

    Re-embedding the same images with another model changes the sampled rows, so an index built
    from the old embeddings is never reused for the new ones.
    """
    import hashlib

    n = len(features)
    rows = np.asarray(features[:: max(1, n // 10_000)])
    digest = hashlib.sha256(f"{features.shape}{features.dtype}{model_identity}".encode())
    digest.update(np.ascontiguousarray(rows).tobytes())
    digest.update(np.ascontiguousarray(np.asarray(features[-1:])).tobytes())
    return digest.hexdigest()[:24]


def tuned_index(features, folder: Path, key: str, seed: int = 0, progress: bool = False):
    """(index or None, report): the cached index for ``key``, or a new one whose efSearch is raised
    until recall@10 on the corpus's own vectors reaches TARGET_RECALL; None means "stay exact"."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    path, report_path = folder / f"{key}.faiss", folder / f"{key}.json"
    index, report = cached_index(features, folder, key)
    if report is not None:
        return index, report
    index = build_index(features, progress=progress)
    rng = np.random.default_rng(seed)
    queries = np.asarray(features[rng.choice(len(features), min(RECALL_QUERIES, len(features)), replace=False)],
                         np.float32)
    report = {"use_index": False, "ef_search": None, "recall_at_10": {}}
    for ef in EF_SEARCH_STEPS:
        index.hnsw.efSearch = ef
        recall = recall_at_k(index, features, queries, 10)
        report["recall_at_10"][str(ef)] = recall
        if recall >= TARGET_RECALL:
            report.update(use_index=True, ef_search=ef)
            break
    if report["use_index"]:
        save_index(index, path)
    tmp = report_path.with_name(report_path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1))
    os.replace(tmp, report_path)
    return (index if report["use_index"] else None), report
