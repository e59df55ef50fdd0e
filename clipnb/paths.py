"""Paths through embedding space: interpolation, semantic pathfinding, and TSP orderings.

* ``slerp`` walks the great circle between two unit vectors (stays on the sphere); ``lerp`` cuts
  the chord (its midpoints are shorter than 1 and must be renormalised).
* ``shortest_path`` hops between *actual images* through a k-nearest-neighbour graph.
* ``order_images`` solves the travelling-salesperson ordering of a set of images (OR-Tools),
  next to a greedy nearest-neighbour tour and a random order.
"""
from __future__ import annotations

import numpy as np

from clipnb.geometry import unit


def _unit(v):
    return unit(np.asarray(v, np.float64).reshape(-1))


def lerp(a, b, t):
    """Straight-line interpolation (1 − t)·a + t·b for each t; rows are *not* unit vectors."""
    t = np.atleast_1d(np.asarray(t, np.float64))[:, None]
    return ((1 - t) * _unit(a) + t * _unit(b)).astype(np.float32)


def slerp(a, b, t):
    """Spherical interpolation between unit vectors a and b: unit rows, constant angular speed."""
    a, b = _unit(a), _unit(b)
    t = np.atleast_1d(np.asarray(t, np.float64))[:, None]
    omega = np.arccos(np.clip(a @ b, -1.0, 1.0))
    if omega < 1e-7:
        return np.repeat(a[None, :], len(t), 0).astype(np.float32)
    if np.pi - omega < 1e-6:
        raise ValueError("the two vectors point in opposite directions: the great circle between them is not unique")
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)


def interpolation_neighbours(corpus, start, end, steps: int = 9, method: str = "slerp"):
    """The nearest image at each of ``steps`` points between two queries (text, image or embedding)."""
    import pandas as pd

    if method not in ("slerp", "lerp"):
        raise ValueError(f"method must be 'slerp' or 'lerp', not {method!r}")
    a, b = corpus.query_vector(start), corpus.query_vector(end)
    t = np.linspace(0, 1, steps)
    points = (slerp if method == "slerp" else lerp)(a, b, t)
    norms = np.linalg.norm(points, axis=1)
    scores = corpus.image_features @ (points / norms[:, None]).T
    best = scores.argmax(0)
    return pd.DataFrame({"rank": np.arange(1, steps + 1), "t": t, "path": corpus.table["path"].to_numpy()[best],
                         "score": scores[best, np.arange(steps)], "caption": corpus.table["caption"].to_numpy()[best],
                         "norm before renormalising": norms})


def knn_graph(features, k: int = 8):
    """A symmetric sparse graph joining each row to its k nearest rows; edge weight = angle (radians)."""
    from scipy.sparse import csr_matrix
    from sklearn.neighbors import NearestNeighbors

    features = np.asarray(features, np.float32)
    if not 1 <= k < len(features):
        raise ValueError(f"k must be between 1 and {len(features) - 1} for {len(features)} points, not {k}")
    distances, indices = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(features).kneighbors(features)
    rows = np.repeat(np.arange(len(features)), k)
    angles = np.arccos(np.clip(1 - distances[:, 1:].ravel(), -1, 1)) + 1e-9
    graph = csr_matrix((angles, (rows, indices[:, 1:].ravel())), shape=(len(features),) * 2)
    return graph.maximum(graph.T)


def shortest_path(features, start: int, end: int, k: int = 8) -> list[int]:
    """Indices of the images on the shortest path from ``start`` to ``end`` through the kNN graph."""
    from scipy.sparse.csgraph import dijkstra

    n = len(features)
    for name, i in (("start", start), ("end", end)):
        if not 0 <= i < n:
            raise IndexError(f"{name} index {i} is outside 0..{n - 1}")
    distances, predecessors = dijkstra(knn_graph(features, k), indices=start, return_predecessors=True)
    if not np.isfinite(distances[end]):
        raise ValueError(f"no path from {start} to {end}: the {k}-nearest-neighbour graph is disconnected; "
                         "raise k")
    path = [end]
    while path[-1] != start:
        path.append(int(predecessors[path[-1]]))
    return path[::-1]


def distance_matrix(features) -> np.ndarray:
    """Angular distances (radians) between all rows."""
    features = unit(np.asarray(features, np.float64))
    return np.arccos(np.clip(features @ features.T, -1, 1))


def tour_length(distances, order, closed: bool = False) -> float:
    order = list(order)
    steps = sum(distances[a, b] for a, b in zip(order, order[1:]))
    return float(steps + (distances[order[-1], order[0]] if closed else 0))


def greedy_order(distances, start: int = 0) -> list[int]:
    """Nearest-neighbour tour: always step to the closest unvisited image."""
    n = len(distances)
    order, visited = [start], np.zeros(n, bool)
    visited[start] = True
    for _ in range(n - 1):
        row = np.where(visited, np.inf, distances[order[-1]])
        order.append(int(row.argmin()))
        visited[order[-1]] = True
    return order


def solver_order(distances, time_limit_s: float | None = 2.0, start: int | None = None) -> list[int]:
    """An open TSP path (every image once, shortest total angle) by OR-Tools' routing solver.

    A dummy depot at distance 0 from every image turns the closed tour into an open path. The
    greedy path seeds the search, so the result is never longer than greedy's; guided local
    search then improves it until ``time_limit_s``. With ``time_limit_s=None`` the search stops at
    the first path no single move shortens (greedy descent): the same path on every run, 0.05 s for E13's 40
    images against a second's guided local search, and at most 0.7 % longer (bench/tsp_descent.py).
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(distances)
    if n < 3:
        return list(range(n))
    scale = 1e6
    matrix = np.zeros((n + 1, n + 1), np.int64)
    matrix[1:, 1:] = np.round(distances * scale).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    callback = routing.RegisterTransitCallback(
        lambda i, j: int(matrix[manager.IndexToNode(i), manager.IndexToNode(j)]))
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    if start is not None:  # fix the first image: only the depot may lead to it
        for node in range(1, n + 1):
            if node != start + 1:
                routing.solver().Add(routing.NextVar(manager.NodeToIndex(0)) != manager.NodeToIndex(node))
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    metaheuristics = routing_enums_pb2.LocalSearchMetaheuristic
    if time_limit_s is None:
        parameters.local_search_metaheuristic = metaheuristics.GREEDY_DESCENT
    else:
        parameters.local_search_metaheuristic = metaheuristics.GUIDED_LOCAL_SEARCH
        parameters.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    greedy = [i + 1 for i in greedy_order(distances, start or 0)]
    initial = routing.ReadAssignmentFromRoutes([greedy], True)
    solution = routing.SolveFromAssignmentWithParameters(initial, parameters)
    if solution is None:
        return greedy_order(distances, start or 0)
    order, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node:
            order.append(node - 1)
        index = solution.Value(routing.NextVar(index))
    return order


def order_images(features, time_limit_s: float = 2.0, seed: int = 0):
    """Solver, greedy and random orders of the rows with their path lengths (radians)."""
    import pandas as pd

    distances = distance_matrix(features)
    orders = {"OR-Tools (guided local search)": solver_order(distances, time_limit_s),
              "greedy nearest neighbour": greedy_order(distances),
              "random": list(np.random.default_rng(seed).permutation(len(distances)))}
    lengths = pd.Series({name: tour_length(distances, order) for name, order in orders.items()}, name="path length")
    return orders, lengths
