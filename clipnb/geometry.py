"""The geometry of embeddings: cosine, angles, the modality gap, 2-D maps, nearest neighbours."""
from __future__ import annotations

import numpy as np


def as_array(features) -> np.ndarray:
    """(N, D) float32 numpy from a tensor, an array or a single vector."""
    if hasattr(features, "detach"):
        features = features.detach().cpu().numpy()
    features = np.asarray(features, dtype=np.float32)
    return features[None, :] if features.ndim == 1 else features


def unit(x, axis: int = -1) -> np.ndarray:
    """``x`` scaled to length 1 along ``axis`` (rows of a matrix, or one vector); float64 stays float64,
    anything else becomes float32. The one place clipnb normalises embeddings."""
    x = np.asarray(x)
    x = x.astype(np.float64 if x.dtype == np.float64 else np.float32, copy=False)
    return x / np.linalg.norm(x, axis=axis, keepdims=True)


def recall_at_k(similarity, ks=(1, 5, 10)) -> dict:
    """Retrieval recall when row i's right answer is column i: {k: share of rows whose right answer
    is among their k best} (ties count against it). Used by training's log and by the evaluation."""
    similarity = np.asarray(similarity)
    right = np.diag(similarity)
    beaten_by = (similarity > right[:, None]).sum(1)  # how many answers beat the right one
    return {k: float((beaten_by < k).mean()) for k in ks}


def cosine_similarity(a, b) -> np.ndarray:
    """Matrix of cosines between the rows of a (N, D) and b (M, D): (N, M). Works for any lengths."""
    a, b = as_array(a), as_array(b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"vectors of different lengths cannot be compared: {a.shape[1]} vs {b.shape[1]}")
    a, b = unit(a), unit(b)
    return a @ b.T


def angle_degrees(a, b) -> np.ndarray:
    """Angles between rows of a and b, in degrees (0 = same direction, 90 = unrelated, 180 = opposite)."""
    return np.degrees(np.arccos(np.clip(cosine_similarity(a, b), -1.0, 1.0)))


def modality_gap(image_features, text_features) -> dict:
    """How far apart the image and text 'shells' sit.

    Returns the distance between the two mean vectors, the norm of each mean, and the average
    cosine within images, within texts and across (diagonals excluded within a modality).
    """
    images, texts = as_array(image_features), as_array(text_features)

    def mean_off_diagonal(x):
        s = x @ x.T
        n = len(x)
        return float((s.sum() - np.trace(s)) / (n * (n - 1))) if n > 1 else float("nan")

    image_mean, text_mean = images.mean(0), texts.mean(0)
    return {"centroid distance": float(np.linalg.norm(image_mean - text_mean)),
            "image centroid norm": float(np.linalg.norm(image_mean)),
            "text centroid norm": float(np.linalg.norm(text_mean)),
            "mean cosine image-image": mean_off_diagonal(images),
            "mean cosine text-text": mean_off_diagonal(texts),
            "mean cosine image-text": float((images @ texts.T).mean())}


def pca_2d(*feature_sets, seed: int = 0):
    """Project several (N_i, D) sets into one shared 2-D PCA; returns a list of (N_i, 2) arrays."""
    from sklearn.decomposition import PCA

    arrays = [as_array(f) for f in feature_sets]
    pca = PCA(n_components=2, random_state=seed).fit(np.concatenate(arrays))
    return [pca.transform(a) for a in arrays], pca.explained_variance_ratio_


def nearest(query_features, features, labels, k: int = 5):
    """For each query row, its k nearest rows of ``features`` (by cosine): DataFrame query → label, cosine."""
    import pandas as pd

    sims = cosine_similarity(query_features, features)
    rows = []
    for q, row in enumerate(sims):
        for rank, j in enumerate(np.argsort(-row)[:k], 1):
            rows.append({"query": q, "rank": rank, "neighbour": labels[j], "cosine": float(row[j])})
    return pd.DataFrame(rows)
