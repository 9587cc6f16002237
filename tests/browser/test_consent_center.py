"""The phone consent center in Chromium: mobile viewport, age check, switches that take
effect at once, everything held, erase."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hub.consent.system import ConsentSystem
from hub.registry import enrol_device
from protocol.enrolment import DeviceIdentity
from protocol.kinds import DeviceKind
from simulators.demo_shop import demo_shop
from tests.browser.screenshots import SCREENSHOTS
from tests.consent_center_server import serve_consent_center, store_personal_scans


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, ConsentSystem]]:
    with serve_consent_center(tmp_path) as (url, system, _cert):
        yield url, system


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        ignore_https_errors=True,
        locale="fi-FI",
    )
    yield context.new_page()
    context.close()


def _subject(page: Page, system: ConsentSystem) -> str:
    cookie = next(c for c in page.context.cookies() if c["name"] == "instore_phone")
    return system.registry.keys.pseudonym(cookie["value"])


def test_switch_takes_effect_at_once_on_a_phone(
    served: tuple[str, ConsentSystem], page: Page
) -> None:
    base, system = served
    page.goto(f"{base}/s/")
    assert page.locator("html").get_attribute("lang") == "fi"  # from the phone's locale
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    switch = page.locator("input[data-purpose=presence]")
    assert switch.is_disabled()  # no consent before the age check
    page.fill("input[name=birth_year]", "1988")
    page.click("#age-form button")
    page.wait_for_url(f"{base}/s/")
    subject = _subject(page, system)
    switch = page.locator("input[data-purpose=presence]")
    switch.check()
    label = page.locator("#purpose-presence .state")
    label.filter(has_text="Päällä").wait_for()
    assert system.check(subject, "presence")
    switch.uncheck()
    label.filter(has_text="Pois").wait_for()
    deadline = time.monotonic() + 5
    while system.check(subject, "presence") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not system.check(subject, "presence")


def test_everything_held_and_erase(served: tuple[str, ConsentSystem], page: Page) -> None:
    base, system = served
    page.goto(f"{base}/s/?lang=en")
    page.fill("input[name=birth_year]", "1975")
    page.click("#age-form button")
    page.locator("input[data-purpose=analytics]").check()
    page.locator("#purpose-analytics .state").filter(has_text="On").wait_for()
    page.goto(f"{base}/s/me")
    assert "Everything we hold about you" in page.content()
    assert page.locator("a[download]").get_attribute("href") == "/s/me.json"
    subject = _subject(page, system)
    page.click("#erase-form button")
    page.locator("#erased").wait_for()
    assert "key was destroyed" in page.locator("#erased").inner_text()
    assert not system.check(subject, "analytics")


def test_for_you_on_a_phone_switches_on_and_shows_why(
    tmp_path: Path, page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shop = demo_shop(tmp_path_factory.mktemp("shop"))
    with serve_consent_center(tmp_path, suggest=shop.recommender) as (base, system, _):
        page.goto(f"{base}/s/?lang=en")
        page.fill("input[name=birth_year]", "1980")
        page.click("#age-form button")
        page.get_by_role("link", name="For you").click()
        expect(page.locator("#for-you-off")).to_contain_text("Suggestions from what you scanned")
        page.get_by_role("link", name="Go to your choices").click()
        page.locator("input[data-purpose=personal_recs]").check()
        page.locator("#purpose-personal_recs .state").filter(has_text="On").wait_for()
        kiosk = DeviceIdentity.read(enrol_device(system.home, "kiosk-1", DeviceKind.KIOSK))
        shelf = [p.gtin for p in shop.products if p.stock > 0 and p.suggest][:5]
        store_personal_scans(system, kiosk, _subject(page, system), shelf)
        page.goto(f"{base}/s/for-you")
        items = page.locator("#for-you-list li")
        expect(items).to_have_count(3)
        expect(items.first.locator(".why")).to_contain_text("Because you scanned")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SCREENSHOTS / "phone-for-you.png"), full_page=True)
