"""Interpolation, pathfinding, TSP orderings and clusters."""
import numpy as np
import pytest

import clipnb
from clipnb import clusters, paths


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_slerp_stays_on_the_sphere_and_hits_both_ends():
    rng = np.random.default_rng(0)
    a, b = _unit(rng.standard_normal(64)), _unit(rng.standard_normal(64))
    t = np.linspace(0, 1, 21)
    curve = paths.slerp(a, b, t)
    assert np.allclose(np.linalg.norm(curve, axis=1), 1, atol=1e-5)
    assert np.allclose(curve[0], a, atol=1e-6) and np.allclose(curve[-1], b, atol=1e-6)
    angles = np.arccos(np.clip(np.sum(curve[1:] * curve[:-1], axis=1), -1, 1))
    assert np.allclose(angles, angles[0], atol=1e-4)  # constant angular speed
    assert np.linalg.norm(paths.lerp(a, b, 0.5)[0]) < 1  # the chord dips inside
    with pytest.raises(ValueError, match="opposite"):
        paths.slerp(a, -a, 0.5)


def test_shortest_path_is_connected_and_joins_its_ends():
    rng = np.random.default_rng(1)
    features = _unit(rng.standard_normal((80, 16)))
    route = paths.shortest_path(features, 3, 70, k=6)
    graph = paths.knn_graph(features, k=6)
    assert route[0] == 3 and route[-1] == 70
    assert all(graph[i, j] > 0 for i, j in zip(route, route[1:]))
    assert len(set(route)) == len(route)


def test_disconnected_graph_says_raise_k():
    features = _unit(np.array([[1, 0.01, 0], [1, -0.01, 0], [0, 0, 1], [0, 0.01, 1]], float))
    with pytest.raises(ValueError, match="raise k"):
        paths.shortest_path(features, 0, 2, k=1)
    with pytest.raises(ValueError, match="k must be between"):
        paths.knn_graph(features, k=4)


def test_tsp_orders_on_the_sample_set(model, cache):
    corpus = clipnb.sample_corpus(model, cache=cache)
    subset = corpus.image_features[::6]
    orders, lengths = paths.order_images(subset, time_limit_s=1.0)
    for order in orders.values():
        assert sorted(order) == list(range(len(subset)))
    solver, greedy, random = lengths.to_numpy()
    assert solver <= greedy + 1e-9 and greedy < random
    distances = paths.distance_matrix(subset)
    assert lengths.iloc[0] == pytest.approx(paths.tour_length(distances, orders["OR-Tools (guided local search)"]))
    # without a time limit the search stops at greedy descent's local optimum: a path, never longer than greedy's,
    # no shorter than the guided search's, and the same on every run
    descent = paths.solver_order(distances, None)
    assert sorted(descent) == list(range(len(subset))) and descent == paths.solver_order(distances, None)
    assert solver - 1e-9 <= paths.tour_length(distances, descent) <= greedy + 1e-9


def test_cluster_naming_recovers_known_labels(model):
    words = ["a cat", "a car", "a flag", "a pizza"]
    text = model.encode_text(words).numpy()
    rng = np.random.default_rng(0)
    features = _unit(np.repeat(text, 15, axis=0) + 0.02 * rng.standard_normal((60, text.shape[1])))
    truth = np.repeat(np.arange(4), 15)
    labels = clusters.cluster(features, "kmeans", 4)
    assert clusters.quality(labels, truth)["adjusted Rand index"] == pytest.approx(1.0)
    names = clusters.name_clusters(model, features, labels, words + ["a tree", "a house"])
    assert sorted(names["name"]) == sorted(words)
    for c, name in names["name"].items():
        assert words[truth[labels == c][0]] == name
    seeded, _ = clusters.seeded_kmeans(features, text)
    assert (seeded == truth).all()


def test_cluster_methods_and_errors():
    rng = np.random.default_rng(0)
    features = _unit(np.concatenate([rng.normal(m, 0.05, (20, 8)) for m in (-1, 1)]))
    truth = np.repeat([0, 1], 20)
    for method in clusters.METHODS:
        labels = clusters.cluster(features, method, 2)
        assert clusters.quality(labels, truth)["purity"] > 0.9
    assert clusters.purity([0, 0, 1, 1], ["a", "b", "b", "b"]) == 0.75
    with pytest.raises(ValueError, match="method must be one of"):
        clusters.cluster(features, "magic")
    with pytest.raises(ValueError, match="n_clusters"):
        clusters.cluster(features, "kmeans", 0)


def test_recall_at_k_on_a_known_case():
    from clipnb.geometry import recall_at_k

    similarity = np.array([[0.9, 0.1, 0.2], [0.8, 0.5, 0.1], [0.1, 0.2, 0.3]])
    # row 0 and row 2 find their answer first; row 1's is beaten once (by 0.8)
    assert recall_at_k(similarity, (1, 2)) == {1: 2 / 3, 2: 1.0}


def test_caption_words_name_what_sets_a_cluster_apart():
    captions = ["a man cook", "a woman cook", "a cook", "a man pilot", "a woman pilot", "a pilot, dark skin tone",
                "a cat", None]
    labels = [0, 0, 0, 1, 1, 1, 2, 2]
    # against cluster 1 alone: "cook" is in every caption of 0 and none of 1; "man"/"woman" in a third of each
    assert clusters.caption_words(captions, labels, 0, among=[0, 1]) == ["cook"]
    assert clusters.caption_words(captions, labels, 1, among=[0, 1], k=2) == ["pilot", "dark"]  # ties: alphabet
    assert clusters.caption_words(captions, labels, 2) == ["cat"]  # against every other cluster; a missing caption
    assert clusters.caption_words(["", "", ""], [0, 1, 1], 0) == []  # no words: nothing to name
    assert clusters.caption_words(["a cook", "a cook"], [0, 1], 0) == []  # nothing more common in it


def test_islands_counts_the_places_a_cluster_covers_on_a_map():
    """A cluster drawn as two far blobs covers 2 places, one blob 1; stray single points are not places."""
    import numpy as np

    from clipnb import clusters

    rng = np.random.default_rng(0)
    xy = np.r_[rng.normal(0, 0.3, (20, 2)), rng.normal(10, 0.3, (20, 2)), rng.normal(5, 0.3, (20, 2)), [[20, 20]]]
    labels = np.r_[np.zeros(40, int), np.ones(20, int), [1]]
    assert clusters.islands(xy, labels) == {0: 2, 1: 1}
