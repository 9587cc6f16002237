"""The kiosk screen in a real Chromium: a code read by the (simulated) camera puts the
product card on screen; unknown codes get a friendly screen; "done", the idle timeout,
keyboard use, large text and a language switch work. Saves kiosk-*.png screenshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from domain.catalog.products import Catalog, Product
from domain.catalog.symbols import Code
from edge.kiosk.kiosk import Kiosk, ScanEvent
from edge.kiosk.session import Pairing
from edge.kiosk.web import build_kiosk_app
from edge.scan.worker import DeadlineDecoder
from protocol.purposes import Purpose
from simulators.bench.scan_corpus import retail_code
from simulators.camera import FrameSpec, Placement, SimulatedCamera
from simulators.catalog import demo_catalog
from simulators.demo_shop import DemoShop, demo_shop
from simulators.net import free_port
from tests.browser.screenshots import SCREENSHOTS

TOKEN = "pairTokenForTheTest_0123"


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def products() -> list[Product]:
    return demo_catalog(7, size=30)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    """A shop whose recommender is trained on its own simulated baskets."""
    return demo_shop(tmp_path_factory.mktemp("shop"))


@pytest.fixture(scope="module")
def shelf(shop: DemoShop) -> list[Product]:
    """Products on the shop's shelves (in stock), for the tests to scan."""
    return [p for p in shop.products if p.stock > 0 and p.suggest][:30]


@pytest.fixture(scope="module")
def kiosk_url(shop: DemoShop, shelf: list[Product]) -> Iterator[tuple[str, Kiosk, list[ScanEvent]]]:
    events: list[ScanEvent] = []
    history = tuple(p.gtin for p in shelf[20:24])  # what this shopper scanned before

    def pairing(token: str) -> Pairing | None:
        if token != TOKEN:
            return None
        return Pairing("p-7f3a9c", frozenset({Purpose.PERSONAL_RECS}), "consent-1", history)

    app = build_kiosk_app(
        shop.catalog,
        events.append,
        pairing=pairing,
        suggest=shop.recommender,
        map_url="/map/",
        idle_timeout_s=6.0,
    )
    with serve(app) as url:
        yield url, app.state.kiosk, events


def _eventually(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _open(browser: Browser, url: str, lang: str = "en") -> Page:
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{url}/?lang={lang}")
    expect(page.locator("body")).to_have_attribute("data-connected", "true")
    return page


def test_camera_read_puts_the_product_card_on_screen(
    browser: Browser, products: list[Product]
) -> None:
    product = products[3]
    code = retail_code(product)
    spec = FrameSpec(
        seed=1, size=(1280, 720), codes=(Placement(code, (0.5, 0.5), 420, 8.0, 0.05),),
        defocus_px=0.8, motion_px=0, motion_deg=0, light_low=0.8, glare=0,
        noise_sigma=3, jpeg_quality=80, decoys=1,
    )  # fmt: skip
    events: list[ScanEvent] = []
    camera = SimulatedCamera([spec], fps=30, loop=True)
    app = build_kiosk_app(
        Catalog(products),
        events.append,
        camera=camera,
        # A generous deadline: this shared test machine may be slow, and this test is
        # about the screen, not the deadline (tests/unit/test_scan_worker.py is).
        decoder=lambda: DeadlineDecoder(deadline_s=3.0),
    )
    with serve(app) as url:
        page = _open(browser, url)
        expect(page.locator("#product-name")).to_have_text(product.name, timeout=20_000)
        expect(page.locator("#product")).to_be_visible()
        assert "€" in (page.locator("#product-price").text_content() or "")
        page.screenshot(path=str(SCREENSHOTS / "kiosk-product.png"), animations="disabled")
        page.close()
    # Held in view for many frames, the code counted as one anonymous scan.
    assert [e.type for e in events] == ["scan"]
    assert events[0].subject is None
    assert events[0].purpose is None
    assert events[0].data["gtin"] == product.gtin


def test_unknown_code_gets_a_friendly_screen(
    browser: Browser, kiosk_url: tuple[str, Kiosk, list[ScanEvent]]
) -> None:
    url, kiosk, _ = kiosk_url
    page = _open(browser, url)
    kiosk.submit(Code("EAN13", "4006381333931"), "camera")
    expect(page.locator("#unknown")).to_be_visible()
    expect(page.locator("#unknown-h")).to_have_text("We don't know this code")
    expect(page.locator("#status")).to_have_text("We don't know this code")
    page.screenshot(path=str(SCREENSHOTS / "kiosk-unknown.png"), animations="disabled")
    page.close()


def test_keyboard_wedge_scan_then_done_ends_the_paired_session(
    browser: Browser, kiosk_url: tuple[str, Kiosk, list[ScanEvent]], shelf: list[Product]
) -> None:
    url, kiosk, events = kiosk_url
    products = shelf
    page = _open(browser, url)
    kiosk.submit(Code("QR", f"instore:pair:{TOKEN}"), "camera")
    expect(page.locator("#paired")).to_be_visible()
    # A handheld scanner types the digits fast and presses Enter.
    page.keyboard.type(products[5].display_gtin + "\n", delay=2)
    expect(page.locator("#product-name")).to_have_text(products[5].name)
    related = page.locator("#related-list li")
    expect(related).to_have_count(4)
    expect(related.first.locator(".why")).to_have_text(
        f"Often bought together with {products[5].name}"
    )
    # One suggestion from the shopper's own history, saying so.
    mine = page.locator("#personal-list li")
    expect(mine).to_have_count(1)
    expect(mine.locator(".why")).to_contain_text("Because you scanned")
    expect(page.locator("#personal .note")).to_be_visible()
    expect(page.locator("#product-map")).to_have_attribute(
        "href", f"/map/?to={products[5].gtin[1:]}&lang=en"
    )
    personal = [e for e in events if e.type == "scan.personal"]
    assert personal
    assert personal[-1].subject == "p-7f3a9c"
    assert personal[-1].purpose is Purpose.PERSONAL_RECS
    assert personal[-1].consent == "consent-1"
    page.screenshot(path=str(SCREENSHOTS / "kiosk-paired.png"), animations="disabled")
    page.get_by_role("button", name="Done").click()
    expect(page.locator("#message-text")).to_have_text("Session ended. Thank you!")
    expect(page.locator("#paired")).to_be_hidden()
    _eventually(lambda: kiosk.session.pairing is None)
    kiosk.submit_text(products[6].display_gtin, "scanner")
    assert events[-1].type == "scan"
    assert events[-1].subject is None
    expect(page.locator("#product-name")).to_have_text(products[6].name)
    expect(page.locator("#personal")).to_be_hidden()  # the next shopper sees none of it
    page.close()


def test_idle_timeout_clears_a_personal_session(
    browser: Browser, kiosk_url: tuple[str, Kiosk, list[ScanEvent]], shelf: list[Product]
) -> None:
    url, kiosk, _ = kiosk_url
    products = shelf
    page = _open(browser, url)
    kiosk.submit(Code("QR", f"instore:pair:{TOKEN}"), "camera")
    kiosk.submit_text(products[1].display_gtin, "scanner")
    expect(page.locator("#product-name")).to_have_text(products[1].name)
    # Nobody touches the screen: after 6 s the session ends and the card is gone.
    expect(page.locator("#welcome")).to_be_visible(timeout=20_000)
    expect(page.locator("#product")).to_be_hidden()
    _eventually(lambda: kiosk.session.pairing is None)
    page.close()


def test_keyboard_only_use_large_text_and_language_switch(
    browser: Browser, kiosk_url: tuple[str, Kiosk, list[ScanEvent]], shelf: list[Product]
) -> None:
    url, kiosk, _ = kiosk_url
    products = shelf
    page = _open(browser, url)
    kiosk.submit_text(products[2].display_gtin, "scanner")
    expect(page.locator("#product-name")).to_have_text(products[2].name)
    # Tab reaches the large-text toggle first; Enter/Space presses it.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "large-text"
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_class("large")
    expect(page.locator("#large-text")).to_have_attribute("aria-pressed", "true")
    # On to "Deutsch" by keyboard.
    for _ in range(2):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.lang") == "de"
    page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name="Fertig")).to_be_visible()
    expect(page.locator("#product-price")).to_contain_text("€")
    assert "," in (page.locator("#product-price").text_content() or "")  # 1,99 € in German
    page.screenshot(path=str(SCREENSHOTS / "kiosk-large-de.png"), animations="disabled")
    # Every language has every string; the Finnish page says "Valmis".
    page.get_by_role("button", name="Suomi").click()
    expect(page.locator("#done")).to_have_text("Valmis")
    page.close()
