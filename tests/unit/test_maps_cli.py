"""``instore-edge map validate|route|render`` as a user runs them, and the SVG they draw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.maps.load import open_map
from domain.maps.svg import render_level
from edge.cli import main
from simulators.venue import DemoVenue, write_demo_venue


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoVenue:
    return write_demo_venue(tmp_path_factory.mktemp("cli") / "demo")


def test_validate_prints_ok(demo: DemoVenue, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "validate", str(demo.imdf)]) == 0
    assert capsys.readouterr().out == "ok\n"


def test_validate_prints_one_line_per_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = tmp_path / "shop.yaml"
    shop.write_text(
        "levels: [{id: g, outline: [[0, 0], [4, 0], [4, 4], [0, 4]]}]\n"
        "units: [{id: a, level: g, rect: [0, 0, 5, 4]}, {id: b, level: q, rect: [0, 0, 1, 1]}]\n",
        encoding="utf-8",
    )
    assert main(["map", "validate", str(shop)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "shop.yaml: b: level 'q' does not resolve to a level",
    ]


def test_route_json_has_the_contract_keys(
    demo: DemoVenue, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "map",
        "route",
        "--map",
        str(demo.imdf),
        "--from",
        demo.entrance_kiosk,
        "--to",
        demo.toilets,
        "--step-free",
        "--json",
    ]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"length_m", "levels", "via", "path"} <= result.keys()
    assert result["via"][0]["kind"] == "elevator"
    assert result["path"][0] == demo.entrance_kiosk
    assert result["path"][-1] == demo.toilets
    assert [lv["ordinal"] for lv in result["levels"]] == [0, 1]


def test_no_route_is_a_sentence_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = tmp_path / "shop.yaml"
    shop.write_text(
        "levels: [{id: g, outline: [[0, 0], [8, 0], [8, 4], [0, 4]]}]\n"
        "units: [{id: a, level: g, rect: [0, 0, 4, 4]}, {id: b, level: g, rect: [4, 0, 8, 4]}]\n",
        encoding="utf-8",
    )
    assert main(["map", "route", "--map", str(shop), "--from", "a", "--to", "b", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "instore-edge: no route from 'a' to 'b' on this map\n"


def test_unknown_place_is_status_2(demo: DemoVenue, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["map", "route", "--map", str(demo.imdf), "--from", "Kiosk", "--to", "Narnia"]
    assert main(argv) == 2
    assert "no place or product called 'Narnia'" in capsys.readouterr().err


def test_render_writes_svg_of_the_routes_first_level(
    demo: DemoVenue, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "route.svg"
    argv = [
        "map",
        "render",
        "--map",
        str(demo.imdf),
        "--from",
        "Kiosk",
        "--to",
        "Toilets",
        "--lang",
        "de",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert "Erdgeschoss" in svg
    assert 'class="route"' in svg
    assert "Sie sind hier" in svg
    assert "Erdgeschoss" in capsys.readouterr().err


def test_svg_marks_destination_on_its_level_only(demo: DemoVenue) -> None:
    store = open_map(demo.imdf)
    route = store.router.route("Kiosk", "Toilets")
    ground, upper = (lv.id for lv in store.venue.levels_in_order())
    down = render_level(store.router, ground, route)
    up = render_level(store.router, upper, route)
    assert 'class="here"' in down
    assert 'class="destination"' not in down
    assert "Take the stairs to First floor" in down
    assert 'class="destination"' in up
    assert 'class="here"' not in up
    assert ">Toilets<" in up
    # Every unit is drawn and named.
    assert up.count('class="unit"') == sum(
        1 for u in store.venue.units.values() if u.level_id == upper
    )
    assert "Snacks &amp; sweets" in down or "Snacks &amp;" in down
