"""A small YAML map for a shop without IMDF, in metres, turned into the same model.

```yaml
venue: {id: corner-shop, name: Corner Shop}
levels:
  - {id: ground, ordinal: 0, outline: [[0, 0], [20, 0], [20, 12], [0, 12]]}
units:
  - {id: dairy, level: ground, name: Dairy, rect: [0, 0, 10, 6]}   # x0, y0, x1, y1
  - {id: aisle, level: ground, name: Aisle, polygon: [[0, 6], [20, 6], [20, 12], [0, 12]]}
openings:
  - {id: d1, level: ground, line: [[4, 6], [6, 6]]}
connectors:
  - {id: lift, kind: elevator, units: [lift-0, lift-1]}
places:
  - {id: kiosk-1, kind: kiosk, level: ground, at: [10, 9], name: Kiosk}
```
Names are a string or a map of language -> text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from shapely.errors import ShapelyError
from shapely.geometry import LineString, Point, Polygon, box
from shapely.strtree import STRtree

from domain.maps.checks import geometry_problems
from domain.maps.errors import MapError, MapInvalidError
from domain.maps.model import CONNECTOR_KINDS, Connector, Labels, Level, Opening, Place, Unit, Venue


def _labels(value: Any) -> Labels:
    if isinstance(value, str):
        return {"en": value}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {}


class _Reader:
    def __init__(self, path: Path) -> None:
        self.file = path.name
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def fail(self, fid: str, message: str) -> None:
        self.problems.append(f"{self.file}: {fid}: {message}")

    def items(self, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = doc.get(key) or []
        if not isinstance(value, list):
            self.fail(key, "must be a list")
            return []
        out: list[dict[str, Any]] = []
        for i, item in enumerate(value):
            fid = item.get("id") if isinstance(item, dict) else None
            if not isinstance(fid, str) or not fid:
                self.fail(f"{key}[{i}]", "has no id")
            elif fid in self.seen:
                self.fail(fid, "id already used")
            else:
                self.seen.add(fid)
                out.append(item)
        return out

    def area(self, item: dict[str, Any]) -> Polygon:
        try:
            if "rect" in item:
                x0, y0, x1, y1 = (float(v) for v in item["rect"])
                return box(x0, y0, x1, y1)
            return Polygon(
                [(float(x), float(y)) for x, y in item.get("polygon") or item["outline"]]
            )
        except (KeyError, TypeError, ValueError, ShapelyError):
            self.fail(item["id"], "needs rect [x0, y0, x1, y1] or polygon [[x, y], ...]")
            return Polygon()


def load_shop_yaml(path: Path) -> Venue:
    """The venue of a shop YAML file; raises MapInvalidError listing every error."""
    venue, problems = _read(path)
    if problems:
        raise MapInvalidError(str(path), problems)
    return venue


def validate_shop_yaml(path: Path) -> list[str]:
    """Every error of a shop YAML file, ``file: id: message`` each; empty when valid."""
    return _read(path)[1]


def _read(path: Path) -> tuple[Venue, list[str]]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MapError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MapError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(doc, dict):
        raise MapError(f"{path}: a shop map is a YAML mapping with levels and units")
    r = _Reader(path)
    head: dict[str, Any] = doc["venue"] if isinstance(doc.get("venue"), dict) else {}
    levels: dict[str, Level] = {}
    for item in r.items(doc, "levels"):
        ordinal = item.get("ordinal", 0)
        if not isinstance(ordinal, int):
            r.fail(item["id"], "ordinal is not an integer")
            ordinal = 0
        levels[item["id"]] = Level(
            item["id"],
            ordinal,
            _labels(item.get("name")),
            _labels(item.get("short_name")),
            r.area(item),
        )
    units: dict[str, Unit] = {}
    for item in r.items(doc, "units"):
        lv = str(item.get("level", ""))
        if lv not in levels:
            r.fail(item["id"], f"level {lv!r} does not resolve to a level")
        units[item["id"]] = Unit(
            item["id"],
            lv,
            str(item.get("category", "room")),
            _labels(item.get("name")),
            r.area(item),
        )
    openings: dict[str, Opening] = {}
    for item in r.items(doc, "openings"):
        try:
            line = LineString([(float(x), float(y)) for x, y in item["line"]])
        except (KeyError, TypeError, ValueError, ShapelyError):
            r.fail(item["id"], "needs line [[x, y], [x, y]]")
            continue
        openings[item["id"]] = Opening(
            item["id"], str(item.get("level", "")), str(item.get("category", "pedestrian")), line
        )
    connectors: dict[str, Connector] = {}
    for item in r.items(doc, "connectors"):
        kind = item.get("kind")
        chain = item.get("units") or []
        if kind not in CONNECTOR_KINDS:
            r.fail(item["id"], f"kind must be one of {', '.join(sorted(CONNECTOR_KINDS))}")
            continue
        connectors[item["id"]] = Connector(
            item["id"], kind, tuple(str(u) for u in chain), bool(item.get("directed", False))
        )
    places = _places(r, doc, units)
    venue = Venue(
        str(head.get("id", path.stem)),
        _labels(head.get("name", path.stem)),
        levels,
        units,
        openings,
        connectors,
        places,
        origin=None,
        source=str(path),
    )
    if r.problems:
        return venue, r.problems
    return venue, geometry_problems(venue, lambda _kind: r.file)


def _places(r: _Reader, doc: dict[str, Any], units: dict[str, Unit]) -> dict[str, Place]:
    unit_list = list(units.values())
    tree = STRtree([u.outline for u in unit_list])
    places: dict[str, Place] = {}
    for item in r.items(doc, "places"):
        try:
            x, y = (float(v) for v in item["at"])
        except (KeyError, TypeError, ValueError):
            r.fail(item["id"], "needs at [x, y]")
            continue
        point, lv = Point(x, y), str(item.get("level", ""))
        hits = [unit_list[int(i)] for i in tree.query(point, "intersects")]
        hits = [u for u in hits if u.level_id == lv]
        unit = str(item.get("unit") or (min(hits, key=lambda u: u.outline.area).id if hits else ""))
        places[item["id"]] = Place(
            item["id"],
            str(item.get("kind", "anchor")),
            lv,
            unit,
            point,
            _labels(item.get("name")),
            str(item.get("category", "")),
        )
    return places
