"""Reading an IMDF archive (a ``.zip`` or a folder) and checking its structure: the
manifest, one FeatureCollection a file, unique UUIDs, references that resolve."""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

from domain.maps.errors import MapError

Feature = dict[str, Any]

# The feature types IMDF 1.0 defines, and the geometry each may carry (None = null).
GEOMETRY: Final[Mapping[str, frozenset[str | None]]] = {
    "address": frozenset({None}),
    "amenity": frozenset({"Point"}),
    "anchor": frozenset({"Point"}),
    "building": frozenset({None}),
    "detail": frozenset({"LineString", "MultiLineString"}),
    "fixture": frozenset({"Polygon", "MultiPolygon"}),
    "footprint": frozenset({"Polygon", "MultiPolygon"}),
    "geofence": frozenset({"Polygon", "MultiPolygon"}),
    "kiosk": frozenset({"Polygon", "MultiPolygon"}),
    "level": frozenset({"Polygon", "MultiPolygon"}),
    "occupant": frozenset({None}),
    "opening": frozenset({"LineString"}),
    "relationship": frozenset({None, "Point", "LineString", "Polygon", "MultiPolygon"}),
    "section": frozenset({"Polygon", "MultiPolygon"}),
    "unit": frozenset({"Polygon", "MultiPolygon"}),
    "venue": frozenset({"Polygon", "MultiPolygon"}),
}
REQUIRED: Final = ("venue", "building", "footprint", "level", "unit")

# property -> feature type it must name; a list property names several.
REFERENCES: Final[Mapping[str, Mapping[str, str]]] = {
    "venue": {"address_id": "address"},
    "building": {"address_id": "address"},
    "footprint": {"building_ids": "building"},
    "level": {"building_ids": "building", "address_id": "address"},
    "unit": {"level_id": "level"},
    "opening": {"level_id": "level"},
    "fixture": {"level_id": "level", "anchor_id": "anchor"},
    "section": {"level_id": "level", "address_id": "address", "parents": "section"},
    "kiosk": {"level_id": "level", "anchor_id": "anchor"},
    "amenity": {"unit_ids": "unit", "address_id": "address"},
    "anchor": {"unit_id": "unit", "address_id": "address"},
    "occupant": {"anchor_id": "anchor"},
    "geofence": {"level_ids": "level", "building_ids": "building", "parents": "geofence"},
    "detail": {"level_id": "level"},
}
# References that may not be null.
MANDATORY: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        ("unit", "level_id"),
        ("opening", "level_id"),
        ("fixture", "level_id"),
        ("section", "level_id"),
        ("kiosk", "level_id"),
        ("anchor", "unit_id"),
        ("occupant", "anchor_id"),
        ("amenity", "unit_ids"),
        ("footprint", "building_ids"),
    }
)


def file_of(feature_type: str) -> str:
    return f"{feature_type}.geojson"


@dataclass(frozen=True, slots=True)
class ImdfArchive:
    """The parsed files of an archive, before any check."""

    path: str
    manifest: Any
    features: Mapping[str, list[Feature]]  # feature type -> features, in file order
    unreadable: Mapping[str, str]  # file name -> why it could not be parsed


def _read_tree(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {
            p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()
        }
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                return {
                    info.filename: archive.read(info)
                    for info in archive.infolist()
                    if not info.is_dir()
                }
        except (zipfile.BadZipFile, OSError) as exc:
            raise MapError(f"{path}: cannot read the zip archive ({exc})") from exc
    raise MapError(f"{path}: not an IMDF folder or .zip archive")


def read_archive(path: Path) -> ImdfArchive:
    """Parse every ``*.geojson`` file and ``manifest.json`` of an IMDF zip or folder.
    Files may sit in one sub-folder (as archives made by zipping a folder do)."""
    try:
        raw = _read_tree(path)
    except OSError as exc:
        raise MapError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    # The folder holding manifest.json, else the one holding the first *.geojson.
    marks = sorted(n for n in raw if PurePosixPath(n).name == "manifest.json") or sorted(
        n for n in raw if n.endswith(".geojson")
    )
    parent = str(PurePosixPath(marks[0]).parent) if marks else "."
    prefix = "" if parent == "." else parent + "/"
    manifest: Any = None
    features: dict[str, list[Feature]] = {}
    unreadable: dict[str, str] = {}
    for name, data in sorted(raw.items()):
        if not name.startswith(prefix):
            continue
        short = name[len(prefix) :]
        if "/" in short or not (short.endswith(".geojson") or short == "manifest.json"):
            continue
        try:
            doc = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            unreadable[short] = f"not valid JSON ({exc})"
            continue
        if short == "manifest.json":
            manifest = doc
            continue
        kind = short.removesuffix(".geojson")
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            unreadable[short] = "not a GeoJSON FeatureCollection"
            continue
        items = doc.get("features")
        if not isinstance(items, list):
            unreadable[short] = "its 'features' is not a list"
            continue
        features[kind] = items
    if manifest is None and not features:
        raise MapError(f"{path}: no IMDF files found (manifest.json, *.geojson)")
    return ImdfArchive(str(path), manifest, features, unreadable)


def _refs(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        yield from value
    elif value is not None:
        yield value


def _manifest_problems(manifest: Any) -> list[str]:
    if manifest is None:
        return ["manifest.json: manifest: file is missing"]
    if not isinstance(manifest, dict):
        return ["manifest.json: manifest: not a JSON object"]
    return [
        f"manifest.json: manifest: '{key}' is missing or not a string"
        for key in ("version", "created", "language")
        if not isinstance(manifest.get(key), str)
    ]


def structure_problems(archive: ImdfArchive) -> list[str]:
    """One ``file: id: message`` line per error in the manifest, ids and references."""
    problems = _manifest_problems(archive.manifest)
    problems.extend(f"{name}: -: {why}" for name, why in sorted(archive.unreadable.items()))
    problems.extend(
        f"{file_of(kind)}: -: file is missing"
        for kind in REQUIRED
        if kind not in archive.features and file_of(kind) not in archive.unreadable
    )
    seen: dict[str, str] = {}
    types: dict[str, str] = {}
    for kind, items in archive.features.items():
        if kind not in GEOMETRY:
            problems.append(f"{file_of(kind)}: -: not an IMDF feature type")
            continue
        for index, feature in enumerate(items):
            problems.extend(_feature_problems(kind, index, feature, seen))
            if isinstance(feature, dict) and isinstance(feature.get("id"), str):
                types.setdefault(feature["id"], kind)
    for kind, items in archive.features.items():
        for feature in items:
            if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
                problems.extend(_reference_problems(kind, feature, types))
    return problems


def _feature_problems(kind: str, index: int, feature: Any, seen: dict[str, str]) -> list[str]:
    where = file_of(kind)
    if not isinstance(feature, dict):
        return [f"{where}: #{index}: not a JSON object"]
    fid = feature.get("id")
    if not isinstance(fid, str) or not fid:
        return [f"{where}: #{index}: has no id"]
    out: list[str] = []
    try:
        uuid.UUID(fid)
    except ValueError:
        out.append(f"{where}: {fid}: id is not a UUID")
    if fid in seen:
        out.append(f"{where}: {fid}: id already used in {seen[fid]}")
    else:
        seen[fid] = where
    if feature.get("type") != "Feature":
        out.append(f"{where}: {fid}: 'type' is not 'Feature'")
    if feature.get("feature_type") != kind:
        out.append(
            f"{where}: {fid}: feature_type {feature.get('feature_type')!r} in the {kind} file"
        )
    if not isinstance(feature.get("properties"), dict):
        out.append(f"{where}: {fid}: has no properties object")
    geometry = feature.get("geometry")
    gtype = geometry.get("type") if isinstance(geometry, dict) else None
    if geometry is not None and not isinstance(geometry, dict):
        out.append(f"{where}: {fid}: geometry is not an object")
    elif gtype not in GEOMETRY[kind]:
        allowed = ", ".join(sorted(str(g) if g else "null" for g in GEOMETRY[kind]))
        out.append(f"{where}: {fid}: geometry {gtype or 'null'} where {kind} takes {allowed}")
    return out


def _reference_problems(kind: str, feature: Feature, types: Mapping[str, str]) -> list[str]:
    where, fid, props = file_of(kind), feature["id"], feature["properties"]
    out: list[str] = []
    for prop, target in REFERENCES.get(kind, {}).items():
        value = props.get(prop)
        if (kind, prop) in MANDATORY and (value is None or value == []):
            out.append(f"{where}: {fid}: {prop} is missing")
        for ref in _refs(value):
            if types.get(ref) != target:
                found = f" (it is a {types[ref]})" if ref in types else ""
                out.append(f"{where}: {fid}: {prop} {ref!r} does not resolve to a {target}{found}")
    if kind == "level" and not isinstance(props.get("ordinal"), int):
        out.append(f"{where}: {fid}: ordinal is missing or not an integer")
    if kind == "relationship":
        out.extend(
            f"{where}: {fid}: {end} is missing"
            for end in ("origin", "destination")
            if props.get(end) is None
        )
        ends = [props.get("origin"), *(props.get("intermediary") or []), props.get("destination")]
        for ref in ends:
            if ref is None:
                continue
            if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
                out.append(f"{where}: {fid}: a reference is not {{id, feature_type}}")
            elif types.get(ref["id"]) != ref.get("feature_type"):
                out.append(
                    f"{where}: {fid}: {ref['id']!r} does not resolve to a {ref.get('feature_type')}"
                )
    return out
