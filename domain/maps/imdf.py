"""IMDF to the map model: validate an archive, project it from WGS84 to metres, and
gather levels, units, openings, level connectors and places."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shapely.errors import ShapelyError
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from domain.maps.checks import geometry_problems
from domain.maps.errors import MapInvalidError
from domain.maps.geo import LocalProjection
from domain.maps.imdf_archive import Feature, ImdfArchive, file_of, read_archive, structure_problems
from domain.maps.model import (
    CONNECTOR_KINDS,
    Connector,
    Labels,
    Level,
    Opening,
    Place,
    Unit,
    Venue,
)


def validate_imdf(path: Path) -> list[str]:
    """Every error of the archive at ``path``, one ``file: id: message`` line each;
    empty when the archive is valid."""
    archive = read_archive(path)
    problems = structure_problems(archive)
    if problems:
        return problems
    venue, geometry_errors = _convert(archive)
    return geometry_errors + geometry_problems(venue, file_of)


def load_imdf(path: Path) -> Venue:
    """The venue of a valid IMDF archive; raises MapInvalidError listing every error."""
    archive = read_archive(path)
    problems = structure_problems(archive)
    if not problems:
        venue, problems = _convert(archive)
        problems += geometry_problems(venue, file_of)
        if not problems:
            return venue
    raise MapInvalidError(str(path), problems)


def _labels(value: Any) -> Labels:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}
    return {}


def _origin(archive: ImdfArchive) -> tuple[float, float]:
    for kind in ("venue", "footprint", "level"):
        for feature in archive.features.get(kind, []):
            display = feature["properties"].get("display_point")
            try:
                geom = shape(display) if display else shape(feature["geometry"])
            except (ShapelyError, TypeError, KeyError, AttributeError, ValueError):
                continue
            centre = geom.centroid
            return (centre.x, centre.y)
    return (0.0, 0.0)


def _convert(archive: ImdfArchive) -> tuple[Venue, list[str]]:
    """The model of a structurally valid archive, and the geometries that do not parse."""
    problems: list[str] = []
    proj = LocalProjection(*_origin(archive))
    geoms: dict[str, BaseGeometry] = {}
    for kind, items in archive.features.items():
        for feature in items:
            if feature.get("geometry") is None:
                continue
            try:
                geoms[feature["id"]] = proj.to_metres(shape(feature["geometry"]))
            except (ShapelyError, TypeError, KeyError, AttributeError, ValueError) as exc:
                problems.append(f"{file_of(kind)}: {feature['id']}: bad geometry ({exc})")

    def area(fid: str) -> Polygon | MultiPolygon:
        geom = geoms.get(fid)
        return geom if isinstance(geom, Polygon | MultiPolygon) else Polygon()

    def feats(kind: str) -> list[Feature]:
        return archive.features.get(kind, [])

    levels = {
        f["id"]: Level(
            f["id"],
            int(f["properties"].get("ordinal", 0)),
            _labels(f["properties"].get("name")),
            _labels(f["properties"].get("short_name")),
            area(f["id"]),
        )
        for f in feats("level")
    }
    units = {
        f["id"]: Unit(
            f["id"],
            f["properties"]["level_id"],
            str(f["properties"].get("category") or "unspecified"),
            _labels(f["properties"].get("name")),
            area(f["id"]),
        )
        for f in feats("unit")
    }
    openings = {
        f["id"]: Opening(
            f["id"],
            f["properties"]["level_id"],
            str(f["properties"].get("category") or "pedestrian"),
            g if isinstance(g := geoms.get(f["id"]), LineString) else LineString(),
        )
        for f in feats("opening")
    }
    connectors: dict[str, Connector] = {}
    for f in feats("relationship"):
        props = f["properties"]
        if props.get("category") not in CONNECTOR_KINDS:
            continue
        ends = [props["origin"], *(props.get("intermediary") or []), props["destination"]]
        connectors[f["id"]] = Connector(
            f["id"],
            props["category"],
            tuple(ref["id"] for ref in ends),
            props.get("direction") == "directed",
        )
    places = _places(archive, geoms, units)
    names = _labels((feats("venue") or [{"properties": {}}])[0]["properties"].get("name"))
    venue_id = feats("venue")[0]["id"] if feats("venue") else Path(archive.path).stem
    venue = Venue(
        venue_id,
        names,
        levels,
        units,
        openings,
        connectors,
        places,
        origin=(proj.lon0, proj.lat0),
        source=archive.path,
    )
    return venue, problems


def _places(
    archive: ImdfArchive, geoms: Mapping[str, BaseGeometry], units: Mapping[str, Unit]
) -> dict[str, Place]:
    unit_list = list(units.values())
    tree = STRtree([u.outline for u in unit_list])

    def unit_at(point: Point, level_id: str) -> str:
        hits = [unit_list[i] for i in tree.query(point, "intersects")]
        hits = [u for u in hits if u.level_id == level_id]
        # The smallest unit wins: a kiosk inside a shop inside a mall belongs to the shop.
        return min(hits, key=lambda u: u.outline.area).id if hits else ""

    places: dict[str, Place] = {}
    anchors: dict[str, Place] = {}
    for f in archive.features.get("anchor", []):
        unit = units.get(f["properties"]["unit_id"])
        point = geoms.get(f["id"])
        if unit is None or not isinstance(point, Point):
            continue
        anchors[f["id"]] = Place(f["id"], "anchor", unit.level_id, unit.id, point, {})
    places.update(anchors)
    for kind in ("kiosk", "fixture", "section"):
        for f in archive.features.get(kind, []):
            props = f["properties"]
            geom = geoms.get(f["id"])
            if geom is None or geom.is_empty:
                continue
            # A shelf or kiosk is reached where its anchor says, else at a point inside it.
            anchor = anchors.get(props.get("anchor_id") or "")
            point = anchor.point if anchor is not None else geom.representative_point()
            level_id = props["level_id"]
            places[f["id"]] = Place(
                f["id"],
                kind,
                level_id,
                unit_at(point, level_id),
                point,
                _labels(props.get("name")),
                str(props.get("category") or ""),
            )
    for f in archive.features.get("amenity", []):
        props = f["properties"]
        point = geoms.get(f["id"])
        first = units.get((props.get("unit_ids") or [""])[0])
        if first is None or not isinstance(point, Point):
            continue
        places[f["id"]] = Place(
            f["id"],
            "amenity",
            first.level_id,
            first.id,
            point,
            _labels(props.get("name")),
            str(props.get("category") or ""),
        )
    for f in archive.features.get("occupant", []):
        props = f["properties"]
        anchor = anchors.get(props.get("anchor_id") or "")
        if anchor is None:
            continue
        places[f["id"]] = Place(
            f["id"],
            "occupant",
            anchor.level_id,
            anchor.unit_id,
            anchor.point,
            _labels(props.get("name")),
            str(props.get("category") or ""),
        )
    return places
