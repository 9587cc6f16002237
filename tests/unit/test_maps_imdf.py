"""The IMDF validator and importer, the shop YAML checks and the planogram CSV."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from domain.maps.errors import MapError, MapInvalidError, PlanogramError
from domain.maps.geo import LocalProjection
from domain.maps.imdf import load_imdf, validate_imdf
from domain.maps.load import load_venue, validate_map
from domain.maps.planogram import gtin_is_valid, read_planogram
from simulators.venue import demo_gtins, write_demo_venue


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_venue(tmp_path_factory.mktemp("imdf") / "demo").imdf


@pytest.fixture
def venue_dir(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "venue"))


def features(path: Path, kind: str) -> list[dict[str, Any]]:
    doc = json.loads((path / f"{kind}.geojson").read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = doc["features"]
    return items


def save(path: Path, kind: str, items: list[dict[str, Any]]) -> None:
    doc = {"type": "FeatureCollection", "features": items}
    (path / f"{kind}.geojson").write_text(json.dumps(doc), encoding="utf-8")


def shift(geometry: dict[str, Any], dlon: float, dlat: float) -> dict[str, Any]:
    def move(c: Any) -> Any:
        if isinstance(c[0], float | int):
            return [c[0] + dlon, c[1] + dlat]
        return [move(x) for x in c]

    return {"type": geometry["type"], "coordinates": move(geometry["coordinates"])}


def test_demo_venue_is_valid_as_folder_and_as_zip(pristine: Path, tmp_path: Path) -> None:
    assert validate_imdf(pristine) == []
    archive = tmp_path / "demo.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in pristine.iterdir():
            z.write(f, f"demo/{f.name}")  # in a sub-folder, as zipping a folder does
    assert validate_map(archive) == []
    assert len(load_imdf(archive).units) == len(load_imdf(pristine).units)


def test_units_are_in_metres(pristine: Path) -> None:
    venue = load_imdf(pristine)
    level = venue.levels_in_order()[0]
    minx, miny, maxx, maxy = level.outline.bounds
    assert maxx - minx == pytest.approx(60.0, abs=0.01)
    assert maxy - miny == pytest.approx(40.0, abs=0.01)


def test_missing_manifest_is_named(venue_dir: Path) -> None:
    (venue_dir / "manifest.json").unlink()
    assert "manifest.json: manifest: file is missing" in validate_imdf(venue_dir)


def test_duplicate_ids_name_file_and_id(venue_dir: Path) -> None:
    units = features(venue_dir, "unit")
    units[1]["id"] = units[0]["id"]
    save(venue_dir, "unit", units)
    problems = validate_imdf(venue_dir)
    assert f"unit.geojson: {units[0]['id']}: id already used in unit.geojson" in problems


def test_unresolved_reference_names_file_id_and_target(venue_dir: Path) -> None:
    openings = features(venue_dir, "opening")
    openings[0]["properties"]["level_id"] = "7f0d6d0e-0000-4000-8000-000000000000"
    save(venue_dir, "opening", openings)
    problems = validate_imdf(venue_dir)
    assert problems == [
        f"opening.geojson: {openings[0]['id']}: level_id "
        "'7f0d6d0e-0000-4000-8000-000000000000' does not resolve to a level"
    ]


def test_reference_to_the_wrong_kind_is_an_error(venue_dir: Path) -> None:
    units = features(venue_dir, "unit")
    anchors = features(venue_dir, "anchor")
    anchors[0]["properties"]["unit_id"] = features(venue_dir, "level")[0]["id"]
    save(venue_dir, "anchor", anchors)
    problems = validate_imdf(venue_dir)
    assert len(problems) == 1
    assert problems[0].startswith(f"anchor.geojson: {anchors[0]['id']}: unit_id")
    assert "(it is a level)" in problems[0]
    assert units  # the units themselves are untouched


def test_unit_outside_its_level_is_named(venue_dir: Path) -> None:
    units = features(venue_dir, "unit")
    units[3]["geometry"] = shift(units[3]["geometry"], 0.01, 0.0)  # about 570 m east
    save(venue_dir, "unit", units)
    problems = validate_imdf(venue_dir)
    assert f"unit.geojson: {units[3]['id']}: lies outside its level" in " ".join(problems)


def test_opening_off_every_unit_boundary_is_named(venue_dir: Path) -> None:
    openings = features(venue_dir, "opening")
    openings[2]["geometry"] = shift(openings[2]["geometry"], 0.0, 0.00002)  # about 2 m north
    save(venue_dir, "opening", openings)
    problems = validate_imdf(venue_dir)
    assert problems == [
        f"opening.geojson: {openings[2]['id']}: does not lie on the boundary of any unit "
        "on its level"
    ]


def test_bad_geometry_type_and_non_uuid_id(venue_dir: Path) -> None:
    kiosks = features(venue_dir, "kiosk")
    kiosks[0]["geometry"] = {"type": "Point", "coordinates": [18.0, 59.0]}
    kiosks[1]["id"] = "kiosk-1"
    save(venue_dir, "kiosk", kiosks)
    problems = validate_imdf(venue_dir)
    assert f"kiosk.geojson: {kiosks[0]['id']}: geometry Point where kiosk takes " in problems[0]
    assert "kiosk.geojson: kiosk-1: id is not a UUID" in problems


def test_load_refuses_an_invalid_archive_with_every_problem(venue_dir: Path) -> None:
    (venue_dir / "level.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(MapInvalidError) as caught:
        load_imdf(venue_dir)
    assert any(p.startswith("level.geojson: -: not valid JSON") for p in caught.value.problems)


def test_not_a_map_is_one_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    with pytest.raises(MapError, match=r"not an IMDF folder or \.zip archive"):
        load_venue(junk)
    with pytest.raises(MapError, match="no such file"):
        validate_map(tmp_path / "absent")


def test_shop_yaml_errors_name_file_and_id(tmp_path: Path) -> None:
    path = tmp_path / "corner.yaml"
    path.write_text(
        """
levels:
  - {id: g, ordinal: 0, outline: [[0, 0], [10, 0], [10, 10], [0, 10]]}
units:
  - {id: a, level: g, rect: [0, 0, 5, 10]}
  - {id: b, level: g, rect: [5, 0, 12, 10]}
  - {id: a, level: g, rect: [0, 0, 1, 1]}
  - {id: c, level: x, rect: [0, 0, 1, 1]}
openings:
  - {id: d, level: g, line: [[5, 4], [5, 6]]}
""",
        encoding="utf-8",
    )
    problems = validate_map(path)
    assert "corner.yaml: a: id already used" in problems
    assert "corner.yaml: c: level 'x' does not resolve to a level" in problems
    path.write_text(
        path.read_text()
        .replace("  - {id: a, level: g, rect: [0, 0, 1, 1]}\n", "")
        .replace("level: x", "level: g"),
        encoding="utf-8",
    )
    assert validate_map(path) == ["corner.yaml: b: lies outside its level 'g'"]


def test_gtin_check_digits() -> None:
    assert gtin_is_valid("4006381333931")
    assert not gtin_is_valid("4006381333932")
    assert gtin_is_valid("96385074")
    assert all(gtin_is_valid(g) for g in demo_gtins(50))
    assert len(set(demo_gtins(50))) == 50


def test_planogram_errors_name_the_line(pristine: Path, tmp_path: Path) -> None:
    venue = load_imdf(pristine)
    fixture = next(p.id for p in venue.places.values() if p.kind == "fixture")
    unit = next(iter(venue.units))
    good, bad = demo_gtins(2)
    csv_path = tmp_path / "planogram.csv"
    csv_path.write_text(
        "gtin,fixture,unit,shelf\n"
        f"{good},{fixture},,2\n"
        "4006381333932,,,\n"
        f"{bad},no-such-shelf,,\n"
        f"{good},,{unit},\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanogramError) as caught:
        read_planogram(csv_path, venue)
    assert caught.value.problems == [
        "planogram.csv:3: gtin '4006381333932' is not a GTIN with a valid check digit",
        "planogram.csv:4: fixture 'no-such-shelf' is not on the map",
        f"planogram.csv:5: gtin {good} is already placed on an earlier line",
    ]


def test_planogram_places_products(pristine: Path) -> None:
    venue = load_imdf(pristine)
    slots = read_planogram(pristine / "planogram.csv", venue)
    assert len(slots) == 160
    slot = slots[demo_gtins(1)[0]]
    assert slot.unit_id == venue.places[slot.fixture_id].unit_id
    assert slot.shelf == 1


def test_anchor_outside_its_unit_is_named(venue_dir: Path) -> None:
    anchors = features(venue_dir, "anchor")
    anchors[0]["geometry"] = shift(anchors[0]["geometry"], 0.0002, 0.0)  # about 11 m east
    save(venue_dir, "anchor", anchors)
    problems = validate_imdf(venue_dir)
    assert len(problems) == 1
    assert problems[0].startswith(f"anchor.geojson: {anchors[0]['id']}: lies outside its unit")


def test_local_projection_is_metres_and_round_trips() -> None:
    proj = LocalProjection(18.0686, 59.3293)
    lonlat = np.array([[18.0686, 59.3293], [18.0696, 59.3293], [18.0686, 59.3303]])
    xy = proj.forward(lonlat)
    # 0.001 degrees at 59.33 N on the WGS84 ellipsoid: a cos(phi) / sqrt(1 - e2 sin2(phi))
    # = 56.93 m east; a (1 - e2) / (1 - e2 sin2(phi))^1.5 = 111.40 m north.
    assert xy[1, 0] == pytest.approx(56.93, abs=0.01)
    assert xy[2, 1] == pytest.approx(111.40, abs=0.01)
    assert np.allclose(proj.inverse(xy), lonlat, atol=1e-12)
