"""``instore-sim bench route``: shortest routes on a generated multi-level venue of at
least 10,000 graph nodes, 1,000 random routes drawn afresh each run, nothing cached
between queries; networkx's A* on the same graph is the same-run baseline."""

from __future__ import annotations

import math
import os
import sys
import time
from itertools import pairwise
from typing import Final

import networkx as nx
import numpy as np
from tqdm import tqdm

from domain.maps.route import Router
from simulators.errors import SimError
from simulators.venue import grid_venue, random_unit_pairs

ROUTES: Final = 1000
# 3 floors of 34 x 34 rooms: 10,200 nodes (rooms and doors), stairs and a lift per floor.
LEVELS: Final = 3
SIDE: Final = 34


def _p99_ms(seconds: list[float]) -> float:
    return round(float(np.percentile(np.asarray(seconds) * 1000.0, 99)), 3)


def run(routes: int = ROUTES, levels: int = LEVELS, side: int = SIDE) -> dict[str, float | int]:
    """Time ``routes`` queries with the project's router and with networkx A*; raise
    SimError if the two ever disagree on a route's length."""
    venue = grid_venue(levels, side, side)
    router = Router(venue)
    graph = router.graph
    baseline = nx.DiGraph()
    baseline.add_nodes_from(range(len(graph.nodes)))
    baseline.add_weighted_edges_from(graph.edges())
    xy = graph.xy

    def heuristic(a: int, b: int) -> float:
        return math.hypot(xy[a, 0] - xy[b, 0], xy[a, 1] - xy[b, 1])

    # Fresh endpoints every run: seeded from the OS, not a constant.
    rng = np.random.default_rng(int.from_bytes(os.urandom(8), "big"))
    pairs = random_unit_pairs(venue, routes, rng)
    ours: list[float] = []
    ours_cpu: list[float] = []
    theirs: list[float] = []
    for origin, destination in tqdm(pairs, desc="routes", file=sys.stderr, leave=False):
        start, cpu = time.perf_counter(), time.thread_time()
        route = router.route(origin, destination)
        ours.append(time.perf_counter() - start)
        ours_cpu.append(time.thread_time() - cpu)
        a, b = graph.index[origin], graph.index[destination]
        start = time.perf_counter()
        path = nx.astar_path(baseline, a, b, heuristic=heuristic, weight="weight")
        theirs.append(time.perf_counter() - start)
        cost = nx.path_weight(baseline, path, weight="weight")
        mine = float(sum(baseline[u][v]["weight"] for u, v in pairwise(route.nodes)))
        if abs(cost - mine) > 1e-6 * max(cost, 1.0):
            raise SimError(f"route {origin} -> {destination}: {mine:.3f} vs networkx {cost:.3f}")
    # Wall-clock figures are the contract; on a shared machine other processes preempt
    # queries, so the CPU time this thread spent is shown beside them on stderr.
    load = os.getloadavg()[0]
    print(  # noqa: T201
        f"bench route: cpu p99 {_p99_ms(ours_cpu)} ms, {graph.edge_count} edges, "
        f"load average {load:.1f} on {os.cpu_count()} cpus",
        file=sys.stderr,
    )
    return {"nodes": len(graph.nodes), "p99_ms": _p99_ms(ours), "baseline_p99_ms": _p99_ms(theirs)}
