"""The walkable graph of a venue: a node at the centre of every unit, at the middle of every
opening and at every place; edges across each unit between its nodes, and level connectors.

Search runs on ``scipy.sparse.csgraph`` (compiled Dijkstra on a CSR matrix): on a 10,000
node venue it measured 8x faster than rustworkx, whose weights come back through a Python
callback per edge (docs/decisions/0600-route-search-on-csgraph.md)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csr_matrix
from shapely.geometry import LineString, MultiPolygon, Point
from shapely.strtree import STRtree

from domain.maps.checks import TOLERANCE_M, units_by_level
from domain.maps.model import STEP_FREE_KINDS, STEPPED_UNIT_CATEGORIES, Area, Unit, Venue

# Storey height: 4.5 m is typical of retail floors (slab to slab).
LEVEL_HEIGHT_M: Final = 4.5
# A lift ride costs waiting time: 20 s at a walking pace of 1.3 m/s is about 25 m, plus
# about 3 m a floor for the ride itself. Only the search uses it; length_m is walked metres.
LIFT_WAIT_COST_M: Final = 25.0
LIFT_PER_LEVEL_COST_M: Final = 3.0
# A ramp rises 1 in 12 (the usual accessibility limit).
RAMP_RUN_PER_RISE: Final = 12.0
# Edges must weigh more than zero: csgraph reads an explicit zero as "no edge".
MIN_WEIGHT: Final = 1e-3
# A segment leaving a unit's outline by less than this still counts as inside it.
INSIDE_SLACK_M: Final = 0.3
# Corner waypoints sit this far inside a reflex corner: closer than the slack above,
# so the segments that touch them count as inside.
CORNER_INSET_M: Final = 0.25


@dataclass(frozen=True, slots=True)
class Node:
    feature_id: str
    kind: str  # "unit" (its centre), "opening" or a place kind ("kiosk", "fixture", ...)
    level_id: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class EdgeInfo:
    length_m: float
    unit_id: str = ""  # the unit the edge crosses, "" for a level connector
    connector_id: str = ""


@dataclass(slots=True)
class _Builder:
    nodes: list[Node] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    edges: dict[tuple[int, int], tuple[float, bool, EdgeInfo]] = field(default_factory=dict)
    # Nodes a route may pass through: openings, connector ends, centres of concave units.
    through: set[int] = field(default_factory=set)

    def add_node(self, node: Node) -> int:
        self.index[node.feature_id] = len(self.nodes)
        self.nodes.append(node)
        return len(self.nodes) - 1

    def add_edge(self, a: int, b: int, cost: float, step_free: bool, info: EdgeInfo) -> None:
        cost = max(cost, MIN_WEIGHT)
        old = self.edges.get((a, b))
        if old is None or cost < old[0]:
            self.edges[(a, b)] = (cost, step_free, info)


Arrival = tuple[int, float, bool]  # (from node, cost, step-free)


@dataclass(frozen=True, slots=True)
class RouteGraph:
    """Nodes, their coordinates and two CSR cost matrices (every edge, step-free ones).

    A room's centre or a shelf is where a route starts or ends, never a place it passes
    through: edges *into* such an end node are kept aside in ``arrivals`` rather than in
    the matrices, so a search never wanders into the thousands of dead ends; the route
    to one is finished from the distances to its neighbours."""

    nodes: tuple[Node, ...]
    index: dict[str, int]
    xy: npt.NDArray[np.float64]
    full: csr_matrix
    step_free: csr_matrix
    arrivals: dict[int, tuple[Arrival, ...]]
    info: dict[tuple[int, int], EdgeInfo]
    costs: dict[tuple[int, int], tuple[float, bool]]

    @property
    def edge_count(self) -> int:
        return len(self.costs)

    def edges(self, step_free: bool = False) -> Iterable[tuple[int, int, float]]:
        """(a, b, cost) of every directed edge, for other graph libraries."""
        return [(a, b, c) for (a, b), (c, free) in self.costs.items() if free or not step_free]


def _openings_of_units(venue: Venue, b: _Builder) -> dict[str, list[int]]:
    members: dict[str, list[int]] = {uid: [] for uid in venue.units}
    per_level = units_by_level(venue)
    trees = {lv: STRtree([u.outline.boundary for u in us]) for lv, us in per_level.items() if us}
    for opening in venue.openings.values():
        tree = trees.get(opening.level_id)
        if tree is None or opening.line.is_empty:
            continue
        mid = opening.line.interpolate(0.5, normalized=True)
        node = b.add_node(Node(opening.id, "opening", opening.level_id, mid.x, mid.y))
        b.through.add(node)
        # The middle of a door touches the units on both sides of its wall, and only
        # those: its ends may touch a corner of a third unit.
        for i in tree.query(mid, "dwithin", TOLERANCE_M):
            members[per_level[opening.level_id][int(i)].id].append(node)
    return members


def build_graph(venue: Venue) -> RouteGraph:
    """The walkable graph of ``venue``; every unit, opening and place is a node."""
    b = _Builder()
    centres: dict[str, int] = {}
    for unit in venue.units.values():
        p = unit.outline.representative_point() if not unit.outline.is_empty else None
        if p is not None:
            centres[unit.id] = b.add_node(Node(unit.id, "unit", unit.level_id, p.x, p.y))
    members = _openings_of_units(venue, b)
    for place in venue.places.values():
        if place.unit_id in members:
            node = b.add_node(
                Node(place.id, place.kind, place.level_id, place.point.x, place.point.y)
            )
            members[place.unit_id].append(node)
    for unit in venue.units.values():
        if unit.id not in centres:
            continue
        _connect_unit(b, unit, centres[unit.id], members[unit.id])
    ordinals = {lv.id: lv.ordinal for lv in venue.levels.values()}
    for conn in venue.connectors.values():
        ends = [b.index[ref] for ref in conn.chain if ref in b.index]
        b.through.update(ends)
        pairs = list(combinations(ends, 2)) if conn.kind == "elevator" else list(pairwise(ends))
        for a, z in pairs:
            na, nz = b.nodes[a], b.nodes[z]
            planar = math.hypot(na.x - nz.x, na.y - nz.y)
            rise = abs(ordinals.get(na.level_id, 0) - ordinals.get(nz.level_id, 0)) * LEVEL_HEIGHT_M
            if conn.kind == "elevator":
                length, cost = (
                    planar,
                    planar + LIFT_WAIT_COST_M + LIFT_PER_LEVEL_COST_M * rise / LEVEL_HEIGHT_M,
                )
            elif conn.kind == "ramp":
                length = max(planar, rise * RAMP_RUN_PER_RISE)
                cost = length
            else:
                length = math.hypot(planar, rise)
                cost = length
            info = EdgeInfo(length, connector_id=conn.id)
            free = conn.kind in STEP_FREE_KINDS
            b.add_edge(a, z, cost, free, info)
            if not conn.directed:
                b.add_edge(z, a, cost, free, info)
    return _freeze(b)


def _reflex_corners(outline: Area) -> list[tuple[float, float]]:
    """Points just inside each reflex corner of ``outline``: where a shortest walk round
    the inside of an L-shaped aisle (or round a pillar) bends."""
    polys = outline.geoms if isinstance(outline, MultiPolygon) else [outline]
    out: list[tuple[float, float]] = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            pts = list(ring.coords)[:-1]
            for k, (vx, vy) in enumerate(pts):
                (px, py), (nx, ny) = pts[k - 1], pts[(k + 1) % len(pts)]
                lp, ln = math.hypot(px - vx, py - vy), math.hypot(nx - vx, ny - vy)
                if lp == 0 or ln == 0:
                    continue
                ux, uy = (px - vx) / lp + (nx - vx) / ln, (py - vy) / lp + (ny - vy) / ln
                norm = math.hypot(ux, uy)
                if norm < 1e-6:
                    continue  # a straight run, not a corner
                # The neighbours' bisector points into a convex corner and out of a reflex
                # one: step the other way and see whether that is inside.
                cx, cy = vx - CORNER_INSET_M * ux / norm, vy - CORNER_INSET_M * uy / norm
                if poly.contains(Point(cx, cy)):
                    out.append((cx, cy))
    return out


def _connect_unit(b: _Builder, unit: Unit, centre: int, others: list[int]) -> None:
    unit_id, category, outline = unit.id, unit.category, unit.outline
    nodes = [centre, *others]
    free = category not in STEPPED_UNIT_CATEGORIES
    convex = outline.convex_hull.area - outline.area < 0.01 * max(outline.area, 1.0)
    if not convex:
        # A concave unit: route round its inside corners, never across a wall.
        b.through.add(centre)
        level = b.nodes[centre].level_id
        for k, (x, y) in enumerate(_reflex_corners(outline)):
            corner = b.add_node(Node(f"{unit_id}#corner{k}", "corner", level, x, y))
            b.through.add(corner)
            nodes.append(corner)
    pairs = list(combinations(nodes, 2))
    if not pairs:
        return
    inside = [True] * len(pairs)
    if not convex:
        lines = [
            LineString([(b.nodes[a].x, b.nodes[a].y), (b.nodes[z].x, b.nodes[z].y)])
            for a, z in pairs
        ]
        inside = list(shapely.within(lines, outline.buffer(INSIDE_SLACK_M)))
    linked: set[int] = set()
    for (a, z), ok in zip(pairs, inside, strict=True):
        if ok:
            _link(b, a, z, unit_id, free)
            linked.update((a, z))
    for node in nodes:
        # A door the walls hide from every other node still reaches the centre.
        if node not in linked and node != centre:
            _link(b, centre, node, unit_id, free)


def _link(b: _Builder, a: int, z: int, unit_id: str, free: bool) -> None:
    na, nz = b.nodes[a], b.nodes[z]
    d = math.hypot(na.x - nz.x, na.y - nz.y)
    info = EdgeInfo(d, unit_id=unit_id)
    b.add_edge(a, z, d, free, info)
    b.add_edge(z, a, d, free, info)


def _freeze(b: _Builder) -> RouteGraph:
    n = len(b.nodes)
    arrivals: dict[int, list[Arrival]] = {}
    for (a, z), (cost_az, free_az, _) in b.edges.items():
        if z not in b.through:
            arrivals.setdefault(z, []).append((a, cost_az, free_az))
    keys = [k for k in b.edges if k[1] in b.through]
    rows = np.fromiter((k[0] for k in keys), dtype=np.int32, count=len(keys))
    cols = np.fromiter((k[1] for k in keys), dtype=np.int32, count=len(keys))
    cost = np.fromiter((b.edges[k][0] for k in keys), dtype=np.float64, count=len(keys))
    free = np.fromiter((b.edges[k][1] for k in keys), dtype=bool, count=len(keys))
    full = csr_matrix((cost, (rows, cols)), shape=(n, n))
    step_free = csr_matrix((cost[free], (rows[free], cols[free])), shape=(n, n))
    xy = np.array([(nd.x, nd.y) for nd in b.nodes], dtype=np.float64).reshape(n, 2)
    info = {k: v[2] for k, v in b.edges.items()}
    costs = {k: (v[0], v[1]) for k, v in b.edges.items()}
    return RouteGraph(
        tuple(b.nodes),
        b.index,
        xy,
        full,
        step_free,
        {z: tuple(arr) for z, arr in arrivals.items()},
        info,
        costs,
    )
