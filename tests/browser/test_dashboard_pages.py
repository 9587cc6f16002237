"""The hub dashboard in a real Chromium against a real hub process, broker and devices.

Logs in, is refused pages a role may not see, watches a device's alarm appear live when
the device is killed, follows a shopper's opt-in and opt-out from the phone page into
the consent ledger, and downloads exports. Saves screenshots of the main pages
(dashboard-*.png, see tests/browser/screenshots.py).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
import yaml
from playwright.sync_api import Browser, Page, ViewportSize, expect

from hub.dashboard.roles import Role
from hub.dashboard.users import add_users
from simulators.bench.dashboard import prefill
from simulators.fleet import SimStore
from tests.browser.screenshots import SCREENSHOTS

KEEPALIVE_S: Final = 4  # the test device's MQTT keepalive: the broker's will after 6 s
HEARTBEAT_S: Final = 1.0  # the test device's heartbeat, and the hub's expectation of it


class Hub:
    def __init__(self, store: SimStore, passwords: dict[str, str]) -> None:
        self.store = store
        self.passwords = passwords
        self.url = store.dashboard_url.rstrip("/")
        self.devices: dict[str, subprocess.Popen[bytes]] = {}

    def start_device(self, device: str) -> subprocess.Popen[bytes]:
        """A device with a short heartbeat and keepalive, one event a second."""
        proc = self.store.start_device(
            device,
            ["--rate", "1", "--heartbeat", str(HEARTBEAT_S), "--keepalive", str(KEEPALIVE_S)],
        )
        self.devices[device] = proc
        return proc


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    store = SimStore(tmp_path_factory.mktemp("dash") / "store", kiosks=2, gateways=2)
    store.setup()
    try:
        (store.home.root / "dashboard.yaml").write_text(
            yaml.safe_dump(
                {
                    "heartbeat_s": HEARTBEAT_S,
                    "job_interval_s": 0.5,
                    "live_interval_s": 0.5,
                    "bucket_s": 3600,
                }
            )
        )
        prefill(
            store.home,
            [("kiosk-2", "kiosk"), ("gateway-2", "gateway")],
            40_000,
            time.time(),
            personal_share=0.3,  # enough consenting shoppers per zone and hour to show
        )
        passwords = add_users(
            store.home,
            {"sam": Role.STAFF, "pia": Role.PRIVACY_OFFICER, "ada": Role.ADMIN},
        )
        store.start_hub()
        hub = Hub(store, passwords)
        hub.start_device("kiosk-1")
        hub.start_device("gateway-1")
        yield hub
    finally:
        for proc in getattr(locals().get("hub"), "devices", {}).values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        store.stop()


def login(browser: Browser, hub: Hub, name: str, *, mobile: bool = False) -> Page:
    viewport: ViewportSize = (
        {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
    )
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{hub.url}/")
    expect(page).to_have_url(f"{hub.url}/login?next=/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(hub.passwords[name])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Devices")).to_be_visible()
    return page


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=full_page)


def test_login_shows_live_devices(browser: Browser, hub: Hub) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{hub.url}/login")
    shot(page, "login")
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("not the password!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    context.close()
    page = login(browser, hub, "sam")
    row = page.locator('tr[data-device="kiosk-1"]')
    expect(row.locator(".state")).to_have_text("online", timeout=20_000)
    shot(page, "devices")
    page.goto(f"{hub.url}/analytics")
    expect(page.locator("svg#scans")).to_be_visible()
    expect(page.locator("svg#shoppers")).to_be_visible()
    shot(page, "analytics")
    page.context.close()


def test_staff_are_refused_privacy_pages(browser: Browser, hub: Hub) -> None:
    page = login(browser, hub, "sam")
    expect(page.get_by_role("link", name="Consent ledger")).to_have_count(0)
    for path in ("/privacy/consents", "/privacy/audit", "/admin/users"):
        response = page.goto(f"{hub.url}{path}")
        assert response is not None
        assert response.status == 403
        expect(page.get_by_role("heading", level=1)).to_contain_text("may not open")
    page.context.close()


def test_a_stopped_device_raises_its_alarm_within_one_and_a_half_keepalives(
    browser: Browser, hub: Hub
) -> None:
    page = login(browser, hub, "sam")
    expect(page.locator('tr[data-device="gateway-1"] .state')).to_have_text(
        "online", timeout=20_000
    )
    page.goto(f"{hub.url}/alarms")
    alarm = page.locator('tr.alarm[data-kind="device offline"][data-subject="gateway-1"]')
    expect(alarm).to_have_count(0)
    proc = hub.devices["gateway-1"]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = time.monotonic()
    # No reload: the page learns of the alarm over server-sent events.
    expect(alarm).to_be_visible(timeout=1.5 * KEEPALIVE_S * 1000)
    assert time.monotonic() - killed <= 1.5 * KEEPALIVE_S
    expect(page.locator("#alarm-badge")).not_to_have_text("")
    shot(page, "alarms")
    alarm.get_by_role("button", name="Acknowledge").click()
    expect(alarm).to_have_class("alarm acked")
    page.context.close()


def test_opt_in_and_out_on_the_phone_shows_in_the_ledger(browser: Browser, hub: Hub) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{hub.url}/s/")
    phone.locator("#age-form input[name=birth_year]").fill("1990")
    phone.locator("#age-form button").click()
    switch = phone.locator('input[role=switch][data-purpose="analytics"]')
    expect(switch).to_be_enabled()
    with phone.expect_response(lambda r: "/s/consent/analytics" in r.url):
        switch.check()
    with phone.expect_response(lambda r: "/s/consent/analytics" in r.url):
        switch.uncheck()
    subject = json.loads(phone.context.request.get(f"{hub.url}/s/me.json").text())["subject"]
    phone.context.close()

    page = login(browser, hub, "pia")
    page.goto(f"{hub.url}/privacy/consents?subject={subject}")
    ledger = page.locator("#ledger tbody")
    expect(ledger.locator("tr")).to_have_count(2)
    expect(ledger.locator("tr").nth(0)).to_contain_text("consent.withdrawn")
    expect(ledger.locator("tr").nth(1)).to_contain_text("consent.given")
    page.get_by_role("button", name="Verify chains").click()
    expect(page.locator("li.ok").first).to_contain_text("intact")
    shot(page, "consent-ledger")
    page.goto(f"{hub.url}/privacy/audit")
    expect(page.locator("#audit")).to_contain_text("dashboard.view.consent_ledger")
    shot(page, "audit-log", full_page=False)
    page.context.close()


def test_exports_download(browser: Browser, hub: Hub, tmp_path: Path) -> None:
    page = login(browser, hub, "pia")
    subject = "ps_bench0000000000000003"
    page.goto(f"{hub.url}/privacy/requests?subject={subject}")
    expect(page.get_by_role("heading", name=f"Held about {subject}")).to_be_visible()
    shot(page, "requests")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download export (JSON)").click()
    saved = tmp_path / "export.json"
    info.value.save_as(saved)
    body = json.loads(saved.read_text())
    assert body["subject"] == subject
    assert body["events"]
    page.goto(f"{hub.url}/privacy/audit")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as CSV").click()
    csv_path = tmp_path / "audit.csv"
    info.value.save_as(csv_path)
    assert "dsr.access" in csv_path.read_text()
    page.goto(f"{hub.url}/privacy/datamap")
    shot(page, "datamap")
    page.context.close()


def test_admin_manages_users_on_a_phone(browser: Browser, hub: Hub) -> None:
    page = login(browser, hub, "ada", mobile=True)
    page.goto(f"{hub.url}/admin/users")
    page.get_by_label("User name").fill("kim")
    page.get_by_label("Role", exact=True).select_option("staff")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#new-password")).to_be_visible()
    expect(page.locator("#users")).to_contain_text("kim")
    shot(page, "users-phone")
    page.context.close()
