"""Routes on hand-made venues whose shortest routes are known by hand."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.languages import LANGUAGES
from domain.maps.errors import NoRouteError, UnknownPlaceError
from domain.maps.i18n import level_name
from domain.maps.load import open_map
from domain.maps.route import Router
from domain.maps.shopyaml import load_shop_yaml
from simulators.bench.route import run as bench_run
from simulators.venue import grid_venue, write_demo_venue


@pytest.fixture(scope="module")
def demo_venue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_venue(tmp_path_factory.mktemp("venue") / "demo").imdf


ROW_OF_ROOMS = """
venue: {id: row, name: Row of rooms}
levels:
  - {id: g, ordinal: 0, outline: [[0, 0], [30, 0], [30, 10], [0, 10]]}
units:
  - {id: a, level: g, name: Apples, rect: [0, 0, 10, 10]}
  - {id: b, level: g, name: Bread, rect: [10, 0, 20, 10]}
  - {id: c, level: g, name: Cheese, rect: [20, 0, 30, 10]}
openings:
  - {id: ab, level: g, line: [[10, 4], [10, 6]]}
  - {id: bc, level: g, line: [[20, 4], [20, 6]]}
"""

# Stairs at the west end, a lift at the east end, on two floors.
TWO_FLOORS = """
venue: {id: two, name: Two floors}
levels:
  - {id: g, ordinal: 0, outline: [[0, 0], [40, 0], [40, 15], [0, 15]]}
  - {id: u, ordinal: 1, outline: [[0, 0], [40, 0], [40, 15], [0, 15]]}
units:
  - {id: hall-g, level: g, name: Hall, rect: [0, 0, 40, 10]}
  - {id: stairs-g, level: g, category: stairs, name: Stairs, rect: [0, 10, 5, 15]}
  - {id: lift-g, level: g, category: elevator, name: Lift, rect: [35, 10, 40, 15]}
  - {id: hall-u, level: u, name: Gallery, rect: [0, 0, 40, 10]}
  - {id: stairs-u, level: u, category: stairs, name: Stairs, rect: [0, 10, 5, 15]}
  - {id: lift-u, level: u, category: elevator, name: Lift, rect: [35, 10, 40, 15]}
openings:
  - {id: sd-g, level: g, line: [[2, 10], [3, 10]]}
  - {id: ld-g, level: g, line: [[37, 10], [38, 10]]}
  - {id: sd-u, level: u, line: [[2, 10], [3, 10]]}
  - {id: ld-u, level: u, line: [[37, 10], [38, 10]]}
connectors:
  - {id: stairs, kind: stairs, units: [stairs-g, stairs-u]}
  - {id: lift, kind: elevator, units: [lift-g, lift-u]}
places:
  - {id: kiosk, kind: kiosk, level: g, at: [2.5, 5], name: Kiosk}
  - {id: shelf, kind: fixture, level: u, at: [2.5, 5], name: Tea shelf}
"""


def write(tmp_path: Path, text: str, name: str = "shop.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_route_through_a_row_of_rooms_is_centre_door_door_centre(tmp_path: Path) -> None:
    router = Router(load_shop_yaml(write(tmp_path, ROW_OF_ROOMS)))
    route = router.route("a", "c")
    result = router.describe(route)
    assert result["path"] == ["a", "ab", "bc", "c"]
    assert result["length_m"] == pytest.approx(20.0)
    assert result["via"] == []
    assert [lv["name"] for lv in result["levels"]] == ["Ground floor"]


def test_route_by_name_is_the_route_by_id(tmp_path: Path) -> None:
    router = Router(load_shop_yaml(write(tmp_path, ROW_OF_ROOMS)))
    assert router.route("apples", "Cheese").nodes == router.route("a", "c").nodes


def test_shortest_route_upstairs_takes_the_stairs(tmp_path: Path) -> None:
    router = Router(load_shop_yaml(write(tmp_path, TWO_FLOORS)))
    result = router.describe(router.route("kiosk", "shelf"))
    # 5 m to the stairs door, 2.5 m in, one storey (4.5 m), 2.5 m out, 5 m to the shelf.
    assert result["length_m"] == pytest.approx(19.5)
    assert result["via"] == [{"id": "stairs", "kind": "stairs"}]
    assert [lv["id"] for lv in result["levels"]] == ["g", "u"]
    assert "Take the stairs to First floor." in result["steps"]


def test_step_free_route_must_take_the_elevator(tmp_path: Path) -> None:
    router = Router(load_shop_yaml(write(tmp_path, TWO_FLOORS)))
    result = router.describe(router.route("kiosk", "shelf", step_free=True))
    assert result["via"] == [{"id": "lift", "kind": "elevator"}]
    door = math.hypot(35.0, 5.0)  # kiosk (2.5, 5) to the lift door (37.5, 10)
    assert result["length_m"] == pytest.approx(2 * door + 5.0, abs=0.01)
    assert "stairs-g" not in result["path"]
    assert result["step_free"] is True


def test_no_step_free_route_without_a_lift_is_an_error(tmp_path: Path) -> None:
    text = TWO_FLOORS.replace("  - {id: lift, kind: elevator, units: [lift-g, lift-u]}\n", "")
    router = Router(load_shop_yaml(write(tmp_path, text)))
    assert router.route("kiosk", "shelf").length_m > 0
    with pytest.raises(NoRouteError, match="no step-free route"):
        router.route("kiosk", "shelf", step_free=True)


def test_escalator_runs_one_way_only(tmp_path: Path) -> None:
    text = TWO_FLOORS.replace(
        "{id: stairs, kind: stairs, units: [stairs-g, stairs-u]}",
        "{id: stairs, kind: escalator, directed: true, units: [stairs-g, stairs-u]}",
    ).replace("  - {id: lift, kind: elevator, units: [lift-g, lift-u]}\n", "")
    router = Router(load_shop_yaml(write(tmp_path, text)))
    assert router.describe(router.route("kiosk", "shelf"))["via"][0]["kind"] == "escalator"
    with pytest.raises(NoRouteError):
        router.route("shelf", "kiosk")


def test_unknown_place_names_what_was_asked(tmp_path: Path) -> None:
    router = Router(load_shop_yaml(write(tmp_path, ROW_OF_ROOMS)))
    with pytest.raises(UnknownPlaceError, match="'nowhere'"):
        router.route("a", "nowhere")


def test_steps_speak_the_shoppers_language(tmp_path: Path) -> None:
    router = Router(load_shop_yaml(write(tmp_path, TWO_FLOORS)))
    route = router.route("kiosk", "shelf", step_free=True)
    expected = {
        "en": "Take the lift to First floor.",
        "de": "Mit dem Aufzug ins 1. Obergeschoss.",
        "sv": "Ta hissen till Plan 2.",
        "nl": "Neem de lift naar 1e verdieping.",
        "da": "Tag elevatoren til 1. sal.",
        "fi": "Mene hissillä: 2. kerros.",
    }
    for lang in LANGUAGES:
        steps = router.steps(route, lang)
        assert expected[lang] in steps
        assert steps[0] != steps[-1]


def test_level_names_are_what_people_say() -> None:
    assert level_name(0, "en") == "Ground floor"
    assert level_name(-1, "en") == "Basement"
    assert level_name(0, "de") == "Erdgeschoss"
    assert level_name(0, "nl") == "Begane grond"
    assert level_name(0, "da") == "Stueetage"
    assert level_name(2, "en-GB") == "Second floor"


def test_turns_are_left_and_right_as_walked(tmp_path: Path) -> None:
    # An L: walk east along the bottom, then north up the right-hand side: a left turn.
    text = """
levels:
  - {id: g, ordinal: 0, outline: [[0, 0], [20, 0], [20, 20], [0, 20]]}
units:
  - {id: south, level: g, rect: [0, 0, 20, 4]}
  - {id: east, level: g, rect: [16, 4, 20, 20]}
openings:
  - {id: d, level: g, line: [[17, 4], [19, 4]]}
places:
  - {id: start, kind: anchor, level: g, at: [1, 2], name: Start}
  - {id: end, kind: anchor, level: g, at: [18, 19], name: End}
"""
    router = Router(load_shop_yaml(write(tmp_path, text)))
    steps = router.steps(router.route("start", "end"))
    assert any(s.startswith("Turn left") for s in steps)
    assert not any(s.startswith("Turn right") for s in steps)


def test_demo_venue_routes_to_a_product_by_gtin(demo_venue: Path) -> None:
    store = open_map(demo_venue)
    assert len(store.venue.units) >= 30
    assert len(store.venue.levels) == 2
    kinds = {c.kind for c in store.venue.connectors.values()}
    assert {"stairs", "elevator"} <= kinds
    gtin = next(iter(store.slots))
    result = store.router.describe(store.router.route("Kiosk", gtin, step_free=True))
    assert result["path"][-1] == store.slots[gtin].fixture_id
    assert result["length_m"] > 0


def test_router_agrees_with_networkx_astar_on_generated_venues() -> None:
    # The benchmark raises if any of its random routes differs from networkx's A*.
    result = bench_run(routes=40, levels=2, side=8)
    assert result["nodes"] == 2 * (8 * 8 + 2 * 8 * 7)


def test_route_does_not_cut_the_corner_of_an_l_shaped_aisle(tmp_path: Path) -> None:
    text = """
levels:
  - {id: g, ordinal: 0, outline: [[-4, 0], [10, 0], [10, 14], [-4, 14]]}
units:
  - {id: west, level: g, rect: [-4, 0, 0, 2]}
  - {id: ell, level: g, polygon: [[0, 0], [10, 0], [10, 10], [8, 10], [8, 2], [0, 2]]}
  - {id: north, level: g, rect: [8, 10, 10, 14]}
openings:
  - {id: a, level: g, line: [[0, 0.5], [0, 1.5]]}
  - {id: b, level: g, line: [[8.5, 10], [9.5, 10]]}
"""
    router = Router(load_shop_yaml(write(tmp_path, text)))
    result = router.describe(router.route("west", "north"))
    assert result["path"][:2] == ["west", "a"]
    assert result["path"][2:] == ["b", "north"]
    # Round the inside corner at (8, 2), not the 12.7 m straight line across the wall.
    assert any(abs(x - 8) < 0.5 and abs(y - 2) < 0.5 for _, x, y in result["points"])
    inside = math.hypot(8, 1) + math.hypot(1, 8)
    assert 2 + inside + 2 - 0.01 <= result["length_m"] <= 2 + inside + 2 + 0.5


@settings(max_examples=25, deadline=None)
@given(
    levels=st.integers(1, 3),
    side=st.integers(2, 6),
    picks=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=5
    ),
)
def test_routes_are_shortest_and_step_free_never_shorter(
    levels: int, side: int, picks: list[tuple[int, int]]
) -> None:
    venue = grid_venue(levels, side, side)
    router = Router(venue)
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(router.graph.edges())
    units = sorted(venue.units)
    for i, j in picks:
        a, b = units[i % len(units)], units[j % len(units)]
        route = router.route(a, b)
        cost = sum(graph[u][v]["weight"] for u, v in itertools.pairwise(route.nodes))
        best = nx.dijkstra_path_length(graph, router.graph.index[a], router.graph.index[b])
        assert cost == pytest.approx(best)
        if venue.units[a].category == venue.units[b].category == "room":
            free = router.route(a, b, step_free=True)
            free_cost = sum(graph[u][v]["weight"] for u, v in itertools.pairwise(free.nodes))
            assert free_cost >= cost - 1e-9
