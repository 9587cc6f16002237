"""The map router as the kiosk and hub apps mount it, called through ASGI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from domain.maps.load import open_map
from domain.maps.web import map_app
from simulators.venue import DemoVenue, demo_venue_path, write_demo_venue


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoVenue:
    return write_demo_venue(tmp_path_factory.mktemp("web") / "demo")


@pytest.fixture(scope="module")
def app(demo: DemoVenue) -> FastAPI:
    app = FastAPI()
    app.mount("/shop/map", map_app(open_map(demo.imdf)))
    return app


def get(app: FastAPI, url: str, params: dict[str, str] | None = None) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as client:
            return await client.get(url, params=params)

    return asyncio.run(call())


def test_route_json_matches_the_cli_contract(app: FastAPI, demo: DemoVenue) -> None:
    r = get(
        app,
        "/shop/map/route",
        {"from": demo.entrance_kiosk, "to": demo.toilets, "step_free": "1", "lang": "da"},
    )
    assert r.status_code == 200
    body = r.json()
    assert {"length_m", "levels", "via", "path"} <= body.keys()
    assert body["via"][0]["kind"] == "elevator"
    assert "Tag elevatoren til 1. sal." in body["steps"]


def test_route_json_errors(app: FastAPI, demo: DemoVenue) -> None:
    assert get(app, "/shop/map/route").status_code == 422
    r = get(app, "/shop/map/route", {"from": demo.entrance_kiosk, "to": "Atlantis"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "Atlantis" in r.json()["detail"]


def test_level_svg_by_ordinal(app: FastAPI, demo: DemoVenue) -> None:
    r = get(app, "/shop/map/level/1.svg", {"from": demo.entrance_kiosk, "to": demo.toilets})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert 'class="destination"' in r.text
    assert get(app, "/shop/map/level/7.svg").status_code == 404


def test_page_without_a_route_shows_the_ground_floor(app: FastAPI) -> None:
    r = get(app, "/shop/map/", {"lang": "nl"})
    assert r.status_code == 200
    assert '<html lang="nl">' in r.text
    assert "Winkelplattegrond" in r.text
    assert 'class="route"' not in r.text
    assert "Begane grond" in r.text


def test_page_links_keep_the_route(app: FastAPI, demo: DemoVenue) -> None:
    r = get(app, "/shop/map/", {"from": demo.entrance_kiosk, "to": demo.toilets, "lang": "fi"})
    assert r.status_code == 200
    assert f"/shop/map/?from={demo.entrance_kiosk}" in r.text
    assert "step_free=1" in r.text  # the switch to a step-free route
    assert "Olet perillä: WC." in r.text


def test_demo_venue_path_writes_once(tmp_path: Path) -> None:
    first = demo_venue_path(tmp_path)
    stamp = (first.imdf / "unit.geojson").stat().st_mtime_ns
    again = demo_venue_path(tmp_path)
    assert again == first
    assert (again.imdf / "unit.geojson").stat().st_mtime_ns == stamp
    store = open_map(again.imdf)
    assert store.router.route(again.entrance_kiosk, again.upstairs_kiosk).length_m > 0


def test_kiosk_router_starts_routes_where_the_kiosk_stands(demo: DemoVenue) -> None:
    app = FastAPI()
    app.mount("/map", map_app(open_map(demo.imdf), here=demo.upstairs_kiosk))
    body = get(app, "/map/route", {"to": demo.toilets}).json()
    assert body["path"][0] == demo.upstairs_kiosk
    assert [lv["ordinal"] for lv in body["levels"]] == [1]
    page = get(app, "/map/", {"to": demo.toilets})
    assert 'class="here"' in page.text
