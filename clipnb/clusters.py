"""Clustering image embeddings and naming the clusters with text.

Clusters come from scikit-learn (k-means, agglomerative, HDBSCAN). A cluster is named by zero-shot:
its centroid (normalised mean image vector) is compared with a candidate vocabulary of texts; the
margin between the best and second label says how sure that name is. Text prototypes ("dog",
"cat", "car") can also serve as the starting centroids of k-means.
"""
from __future__ import annotations

import numpy as np

from clipnb.geometry import unit

METHODS = ("kmeans", "agglomerative", "hdbscan")


def _unit_rows(x):
    return unit(np.asarray(x, np.float64))


def cluster(features, method: str = "kmeans", n_clusters: int = 8, seed: int = 0, min_cluster_size: int = 5):
    """Cluster labels for each row (−1 = noise, HDBSCAN only). Rows are unit vectors, so Euclidean
    distance is a monotone function of cosine and k-means on them is spherical k-means in effect."""
    from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans

    features = _unit_rows(features)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if method != "hdbscan" and not 1 <= n_clusters <= len(features):
        raise ValueError(f"n_clusters must be between 1 and {len(features)}, not {n_clusters}")
    if method == "kmeans":
        return KMeans(n_clusters, n_init=10, random_state=seed).fit_predict(features)
    if method == "agglomerative":
        return AgglomerativeClustering(n_clusters, metric="cosine", linkage="average").fit_predict(features)
    return HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit_predict(features)


def seeded_kmeans(features, prototypes, max_iter: int = 100):
    """k-means started from given centroids (e.g. text embeddings of "dog", "cat", "car").

    Returns labels and the final centroids; cluster i starts at prototype i.
    """
    from sklearn.cluster import KMeans

    prototypes = _unit_rows(prototypes)
    model = KMeans(len(prototypes), init=prototypes, n_init=1, max_iter=max_iter).fit(_unit_rows(features))
    return model.labels_, model.cluster_centers_


def centroids(features, labels) -> dict[int, np.ndarray]:
    features = _unit_rows(features)
    out = {}
    for c in sorted(set(labels) - {-1}):
        mean = features[np.asarray(labels) == c].mean(0)
        out[c] = mean / np.linalg.norm(mean)
    return out


def name_clusters(model, features, labels, vocabulary, templates=None):
    """Name each cluster by the vocabulary entry nearest its centroid; with size, runner-up and margin."""
    import pandas as pd

    from clipnb.zeroshot import label_features

    words = label_features(model, list(vocabulary), templates)
    rows = []
    for c, centre in centroids(features, labels).items():
        sims = words @ centre
        order = np.argsort(-sims)
        rows.append({"cluster": c, "size": int((np.asarray(labels) == c).sum()), "name": vocabulary[order[0]],
                     "cosine": float(sims[order[0]]), "runner_up": vocabulary[order[1]] if len(order) > 1 else "",
                     "margin": float(sims[order[0]] - sims[order[1]]) if len(order) > 1 else np.nan})
    return pd.DataFrame(rows).set_index("cluster")


def caption_words(captions, labels, cluster: int, among=None, k: int = 3) -> list[str]:
    """The k words that tell a cluster's captions apart: those whose share of its captions most exceeds their share
    of the captions of the clusters in ``among`` (default every other cluster). Words of three or more letters,
    "the", "and", "with", "for" and "from" left out; ties by the alphabet. [] where no word is more common in it
    (say, a folder without captions). Names clusters the vocabulary cannot tell apart, as their captions do."""
    from sklearn.feature_extraction.text import CountVectorizer

    labels = np.asarray(labels)
    others = np.isin(labels, [c for c in (np.unique(labels) if among is None else among) if c != cluster])
    inside = labels == cluster
    text = ["" if not isinstance(t, str) else t for t in captions]
    vectorizer = CountVectorizer(binary=True, lowercase=True, token_pattern=r"(?u)\b[^\W\d_]{3,}\b",
                                 stop_words=["the", "and", "with", "for", "from"])
    try:
        counts = vectorizer.fit_transform([t for t, keep in zip(text, inside | others) if keep])
    except ValueError:  # no word at all in these captions
        return []
    kept = inside[inside | others]
    share_in = np.asarray(counts[kept].mean(0)).ravel() if kept.any() else 0
    share_out = np.asarray(counts[~kept].mean(0)).ravel() if (~kept).any() else 0
    lead = share_in - share_out
    words = vectorizer.get_feature_names_out()
    order = sorted((i for i in range(len(words)) if lead[i] > 0), key=lambda i: (-lead[i], words[i]))
    return [str(words[i]) for i in order[:k]]


ISLAND_MIN = 5   # points a place on the map needs (islands)


def islands(xy, labels, min_size: int = ISLAND_MIN, reach: float = 4.0) -> dict[int, int]:
    """How many separate places each cluster covers on a 2-D map (``xy``, one row per image; ``labels``, each image's
    cluster): its points joined wherever two lie within ``reach`` times the map's median nearest-neighbour distance,
    then the joined groups of at least ``min_size`` points counted. A cluster of one island sits in one place; one of
    several is scattered. On a t-SNE map an island is a neighbourhood: k-means groups by every dimension, t-SNE keeps
    each image's nearest neighbours, so one cluster can be many neighbourhoods."""
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial.distance import cdist

    xy, labels = np.asarray(xy, dtype=float), np.asarray(labels)
    distances = cdist(xy, xy)
    np.fill_diagonal(distances, np.inf)
    step = reach * float(np.median(distances.min(axis=1)))
    out = {}
    for c in sorted(set(labels.tolist())):
        mine = np.flatnonzero(labels == c)
        _, groups = connected_components(distances[np.ix_(mine, mine)] <= step, directed=False)
        out[int(c)] = int((np.bincount(groups) >= min_size).sum())
    return out


def purity(labels, truth) -> float:
    """Share of images whose cluster's majority true label is their own (noise counts as wrong)."""
    import pandas as pd

    frame = pd.DataFrame({"cluster": np.asarray(labels), "truth": np.asarray(truth)})
    frame = frame[frame["cluster"] != -1]
    majority = frame.groupby("cluster")["truth"].agg(lambda s: s.value_counts().iloc[0]).sum()
    return float(majority / len(labels))


def quality(labels, truth) -> dict:
    from sklearn.metrics import adjusted_rand_score

    return {"adjusted Rand index": float(adjusted_rand_score(truth, labels)), "purity": purity(labels, truth),
            "clusters": int(len(set(labels) - {-1})), "noise points": int((np.asarray(labels) == -1).sum())}


def map_2d(features, method: str = "pca", seed: int = 0) -> np.ndarray:
    """A 2-D map of the rows: PCA (fast, linear) or t-SNE (local neighbourhoods)."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    features = _unit_rows(features)
    if method == "pca":
        return PCA(2, random_state=seed).fit_transform(features)
    if method == "tsne":
        return TSNE(2, perplexity=min(30, len(features) - 1), init="pca", random_state=seed,
                    metric="cosine").fit_transform(features)
    raise ValueError(f"method must be 'pca' or 'tsne', not {method!r}")
