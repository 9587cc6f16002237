"""Routes between places: resolve what the shopper named (an id, a name, a GTIN), search
the graph, and describe the result (metres walked, levels, connectors, turn-by-turn)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

from scipy.sparse.csgraph import dijkstra

from domain.languages import language_of
from domain.maps.errors import NoRouteError, UnknownPlaceError
from domain.maps.graph import Node, RouteGraph, build_graph
from domain.maps.i18n import level_name, phrase
from domain.maps.model import Level, Venue, label

# Bends sharper than this are a turn; 35 degrees keeps a zig-zag through doors "straight".
TURN_DEG: Final = 35.0
# Beyond 150 degrees a bend is a U-turn.
BACK_DEG: Final = 150.0


def level_label(level: Level, lang: str) -> str:
    """The level's own name in ``lang`` if the map has one, else what people call it."""
    code = language_of(lang)
    for key, text in level.name.items():
        if key.split("-", maxsplit=1)[0].lower() == code and text:
            return text
    return level_name(level.ordinal, code)


@dataclass(frozen=True, slots=True)
class Route:
    """The nodes of a shortest route and what was walked."""

    origin: str
    destination: str
    nodes: tuple[int, ...]
    length_m: float
    step_free: bool


class Router:
    """Shortest routes on one venue. Building it builds the graph once; each query then
    searches afresh (nothing is cached between queries)."""

    def __init__(self, venue: Venue, planogram: Mapping[str, str] | None = None) -> None:
        self.venue = venue
        self.graph: RouteGraph = build_graph(venue)
        # GTIN -> fixture or unit id, from the planogram.
        self.products: Mapping[str, str] = planogram or {}
        names: dict[str, list[str]] = {}
        for table in (venue.places, venue.units):
            for fid, item in table.items():
                for text in item.name.values():
                    names.setdefault(text.casefold(), []).append(fid)
        self._names = {k: v[0] for k, v in names.items() if len(set(v)) == 1}

    def resolve(self, ref: str) -> int:
        """The node of a feature id, a product's GTIN (via the planogram), an alias, or a
        unique name; raises UnknownPlaceError."""
        index = self.graph.index
        for key in (ref, self.venue.aliases.get(ref, ""), self.products.get(ref, "")):
            if key in index:
                return index[key]
        digits = ref.strip().lstrip("0")
        for gtin, target in self.products.items():
            if gtin.lstrip("0") == digits and digits and target in index:
                return index[target]
        hit = self._names.get(ref.casefold())
        if hit is not None and hit in index:
            return index[hit]
        raise UnknownPlaceError(ref)

    def shortest(self, source: int, target: int, step_free: bool = False) -> Route | None:
        """The shortest route between two nodes, or None when they are not connected."""
        matrix = self.graph.step_free if step_free else self.graph.full
        if source == target:
            return Route("", "", (source,), 0.0, step_free)
        dist, pred = dijkstra(matrix, directed=True, indices=source, return_predecessors=True)
        last = target
        arrivals = self.graph.arrivals.get(target)
        if arrivals is not None:
            # An end node: finish from whichever neighbour gives the shortest total.
            best = math.inf
            for node, cost, free in arrivals:
                if free or not step_free:
                    total = float(dist[node]) + cost
                    if total < best:
                        best, last = total, node
            if math.isinf(best):
                return None
        elif pred[target] < 0:
            return None
        path = [last]
        while path[-1] != source:
            path.append(int(pred[path[-1]]))
        path.reverse()
        if last != target:
            path.append(target)
        info = self.graph.info
        length = math.fsum(info[(a, b)].length_m for a, b in pairwise(path))
        return Route("", "", tuple(path), length, step_free)

    def route(self, origin: str, destination: str, step_free: bool = False) -> Route:
        """The shortest route between two named places; raises NoRouteError."""
        found = self.shortest(self.resolve(origin), self.resolve(destination), step_free)
        if found is None:
            raise NoRouteError(origin, destination, step_free)
        return Route(origin, destination, found.nodes, found.length_m, step_free)

    def node(self, index: int) -> Node:
        return self.graph.nodes[index]

    def describe(self, route: Route, lang: str = "en") -> dict[str, Any]:
        """The route as the ``map route --json`` contract: length_m, levels, via, path;
        plus steps (in ``lang``), points and the step-free flag."""
        nodes = [self.graph.nodes[i] for i in route.nodes]
        levels: list[str] = []
        for n in nodes:
            if not levels or levels[-1] != n.level_id:
                levels.append(n.level_id)
        via: list[dict[str, str]] = []
        for a, b in pairwise(route.nodes):
            conn = self.graph.info[(a, b)].connector_id
            if conn and (not via or via[-1]["id"] != conn):
                via.append({"id": conn, "kind": self.venue.connectors[conn].kind})
        return {
            "length_m": round(route.length_m, 2),
            "levels": [
                {
                    "id": lv,
                    "ordinal": self.venue.levels[lv].ordinal,
                    "name": level_label(self.venue.levels[lv], lang),
                }
                for lv in levels
            ],
            "via": via,
            # Corner waypoints of concave units are no features: drawn, not listed.
            "path": [n.feature_id for n in nodes if n.kind != "corner"],
            "step_free": route.step_free,
            "points": [[n.level_id, round(n.x, 2), round(n.y, 2)] for n in nodes],
            "steps": self.steps(route, lang),
        }

    def steps(self, route: Route, lang: str = "en") -> list[str]:
        """Turn-by-turn sentences in ``lang``: start, walks and turns, connectors, arrival."""
        venue, g = self.venue, self.graph
        nodes = [g.nodes[i] for i in route.nodes]
        first, last = nodes[0], nodes[-1]
        out = [
            phrase(
                lang,
                "start",
                name=venue.name_of(first.feature_id, lang),
                level=level_label(venue.levels[first.level_id], lang),
            )
        ]
        heading: float | None = None
        # The first leg, and the first after a connector, has no direction to turn from.
        run, turn, crossed = 0.0, "walk", set[str]()

        def flush() -> None:
            if run <= 0.5:
                return
            aisle = venue.units.get(next(iter(crossed))) if len(crossed) == 1 else None
            if turn in ("walk", "straight") and aisle and aisle.category == "walkway":
                name = label(aisle.name, lang)
                if name:
                    out.append(phrase(lang, "through", d=round(run), name=name))
                    return
            out.append(phrase(lang, turn, d=round(run)))

        for a, b in pairwise(route.nodes):
            info = g.info[(a, b)]
            na, nb = g.nodes[a], g.nodes[b]
            if info.connector_id:
                flush()
                run, turn, heading, crossed = 0.0, "walk", None, set()
                kind = venue.connectors[info.connector_id].kind
                out.append(phrase(lang, kind, level=level_label(venue.levels[nb.level_id], lang)))
                continue
            dx, dy = nb.x - na.x, nb.y - na.y
            if math.hypot(dx, dy) < 0.05:
                continue
            new = math.degrees(math.atan2(dy, dx))
            bend = 0.0 if heading is None else (new - heading + 180.0) % 360.0 - 180.0
            if heading is not None and abs(bend) > TURN_DEG:
                flush()
                run, crossed = 0.0, set()
                turn = "back" if abs(bend) > BACK_DEG else ("left" if bend > 0 else "right")
            heading = new
            run += info.length_m
            crossed.add(info.unit_id)
        flush()
        out.append(phrase(lang, "arrive", name=venue.name_of(last.feature_id, lang)))
        return out
