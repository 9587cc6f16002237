"""The kiosk map page in a real Chromium: a route is drawn and the steps are listed.
Saves map-kiosk.png (1080p kiosk) and map-phone.png screenshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from domain.maps.load import open_map
from domain.maps.web import map_app
from simulators.net import free_port
from simulators.venue import DemoVenue, demo_gtins, write_demo_venue
from tests.browser.screenshots import SCREENSHOTS


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoVenue:
    return write_demo_venue(tmp_path_factory.mktemp("web") / "demo")


@pytest.fixture(scope="module")
def base_url(demo: DemoVenue) -> Iterator[str]:
    app = FastAPI()
    app.mount("/map", map_app(open_map(demo.imdf)))
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_kiosk_map_shows_route_to_a_product(
    base_url: str, browser: Browser, demo: DemoVenue
) -> None:
    # A product upstairs, from the kiosk by the entrance.
    gtin = demo_gtins()[40]  # the 41st shelf is upstairs, in Toys
    query = urlencode({"from": demo.entrance_kiosk, "to": gtin, "lang": "en"})
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{base_url}/map?{query}")
    expect(page.locator("#map svg")).to_be_visible()
    expect(page.locator("#map svg polyline.route")).to_be_visible()
    expect(page.locator("#map svg .here")).to_be_visible()
    expect(page.locator("nav a.active")).to_have_text("Ground floor")
    steps = page.locator("#steps li")
    expect(steps.first).to_have_text("Start at Kiosk, Ground floor.")
    expect(steps.last).to_contain_text("You have arrived at")
    assert steps.count() >= 4
    box = page.locator("#map svg").bounding_box()
    assert box is not None
    assert box["width"] > 1000  # the map takes most of a 1080p kiosk screen
    page.screenshot(path=str(SCREENSHOTS / "map-kiosk.png"))
    # The level tab upstairs shows the destination.
    page.locator("nav a").nth(1).click()
    expect(page.locator("nav a.active")).to_have_text("First floor")
    expect(page.locator("#map svg .destination")).to_be_visible()
    page.close()


def test_phone_page_in_swedish_with_step_free_route(
    base_url: str, browser: Browser, demo: DemoVenue
) -> None:
    query = urlencode(
        {"from": demo.entrance_kiosk, "to": demo.toilets, "lang": "sv", "step_free": "1"}
    )
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(f"{base_url}/map?{query}")
    expect(page.locator("#map svg polyline.route")).to_be_visible()
    expect(page.locator("#steps")).to_contain_text("Ta hissen till Plan 2.")
    expect(page.locator("nav a.active")).to_have_text("Entréplan")
    page.screenshot(path=str(SCREENSHOTS / "map-phone.png"), full_page=True)
    page.close()


def test_unknown_product_shows_a_message(base_url: str, browser: Browser) -> None:
    page = browser.new_page()
    response = page.goto(f"{base_url}/map?from=Kiosk&to=0000000000000")
    assert response is not None
    assert response.status == 404
    expect(page.locator(".notice")).to_contain_text("no place or product called")
    expect(page.locator("#map svg")).to_be_visible()
    page.close()
