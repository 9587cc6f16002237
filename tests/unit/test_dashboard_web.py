"""The dashboard app through ASGI: login, CSRF, limits, roles, audit, export, metrics."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hub.dashboard import auth
from hub.dashboard.app import dashboard_app
from hub.dashboard.pages_staff import live_summary
from hub.dashboard.roles import Role
from hub.dashboard.schema import open_writer
from hub.dashboard.settings import DashboardSettings

PASSWORD = "correct horse battery"
Scenario = Callable[[httpx.AsyncClient], Awaitable[None]]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    db = open_writer(tmp_path / "hub.db")
    for name, role in (("sam", Role.STAFF), ("pia", Role.PRIVACY_OFFICER), ("ada", Role.ADMIN)):
        auth.add_user(db, name, role, PASSWORD, time.time())
    db.execute(
        "INSERT INTO consents(subject, purpose, record_id, granted, at) "
        "VALUES ('ps_aaaaaaaaaaaaaaaaaaaa', 'analytics', 'cr-1', 1, 1)"
    )
    db.close()
    built = dashboard_app(tmp_path / "hub.db", settings=DashboardSettings(), run_jobs=False)
    yield built
    built.state.dashboard.close()


def run(app: FastAPI, scenario: Scenario, base: str = "http://hub.test") -> None:
    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base) as client:
            await scenario(client)

    asyncio.run(go())


async def login(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    return await client.post(
        "/login", data={"username": name, "password": password, "csrf": token[1], "next": "/"}
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def test_pages_need_a_login(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        r = await c.get("/analytics")
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=/analytics"
        assert (await c.get("/api/devices")).status_code == 401
        assert (await c.get("/live")).status_code == 401

    run(app, scenario)


def test_login_sets_a_hardened_cookie_and_opens_the_dashboard(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        r = await login(c, "sam")
        assert r.status_code == 303
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=strict" in cookie
        assert "secure" not in cookie  # plain HTTP in this test
        page = await c.get("/")
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]

    run(app, scenario)


def test_behind_tls_the_cookie_is_secure(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        r = await login(c, "sam")
        assert "secure" in r.headers["set-cookie"].lower()

    run(app, scenario, base="https://hub.test")


def test_login_without_the_forms_token_is_refused(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        r = await c.post("/login", data={"username": "sam", "password": PASSWORD, "csrf": "x"})
        assert r.status_code == 403
        assert "instore_session" not in c.cookies

    run(app, scenario)


def test_repeated_failures_slow_the_guesser_and_not_the_staff(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        assert (await login(c, "pia")).status_code == 303  # the officer's browser is known
        known = {"instore_device": c.cookies["instore_device"]}
        c.cookies.clear()
        for _ in range(3):  # typos are free
            assert (await login(c, "pia", "wrong password!!")).status_code == 401
        r = await login(c, "pia")  # even the right password waits now, from this client
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        assert "Try again in 2 seconds" in r.text
        c.cookies.clear()
        c.cookies.update(known)  # the officer, on her own browser, behind the same address
        assert (await login(c, "pia")).status_code == 303
        c.cookies.clear()
        assert (await login(c, "sam")).status_code == 303  # a colleague who did not fail

    run(app, scenario)


def test_staff_are_refused_privacy_and_admin_pages(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "sam")
        for path in ("/privacy/consents", "/privacy/audit", "/admin/users"):
            r = await c.get(path)
            assert r.status_code == 403
            assert "may not open" in r.text

    run(app, scenario)


def test_a_privacy_view_is_audited(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "pia")
        r = await c.get("/privacy/consents")
        assert "ps_aaaaaaaaaaaaaaaaaaaa" in r.text
        audit = await c.get("/privacy/audit")
        assert "dashboard.view.consent_ledger" in audit.text

    run(app, scenario)


def test_the_subject_export_downloads_as_json(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "pia")
        r = await c.get("/privacy/requests/export?subject=ps_aaaaaaaaaaaaaaaaaaaa")
        assert r.status_code == 200
        assert "attachment" in r.headers["content-disposition"]
        body: dict[str, Any] = r.json()
        assert body["consents"]["analytics"]["granted"] is True
        bad = await c.get("/privacy/requests/export?subject=alice@example.com")
        assert bad.status_code == 422

    run(app, scenario)


def test_forms_without_the_session_token_are_refused(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "ada")
        r = await c.post("/admin/users", data={"name": "eve", "role": "admin", "csrf": "nope"})
        assert r.status_code == 403
        page = await c.get("/admin/users")
        assert "eve" not in page.text

    run(app, scenario)


def test_admin_adds_a_user_whose_password_is_shown_once(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "ada")
        page = await c.get("/admin/users")
        r = await c.post(
            "/admin/users", data={"name": "bo", "role": "staff", "csrf": csrf_of(page.text)}
        )
        shown = re.search(r'<code id="new-password">([^<]+)</code>', r.text)
        assert shown is not None
        again = await c.get("/admin/users")
        assert shown[1] not in again.text
        other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with other:
            assert (await login(other, "bo", shown[1])).status_code == 303

    run(app, scenario)


def test_the_last_admin_cannot_be_disabled(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "ada")
        page = await c.get("/admin/users")
        r = await c.post("/admin/users/ada/disable", data={"csrf": csrf_of(page.text)})
        assert "last admin" in r.text

    run(app, scenario)


def scrape(app: FastAPI) -> dict[str, str]:
    return {"authorization": f"Bearer {app.state.metrics_token}"}


def test_metrics_for_prometheus_with_its_credential_only(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        for wrong in ({}, {"authorization": "Bearer guess"}, {"authorization": "Basic eDp5"}):
            refused = await c.get("/metrics", headers=wrong)
            assert refused.status_code == 401
            assert "instore_" not in refused.text
        r = await c.get("/metrics", headers=scrape(app))
        assert r.status_code == 200
        for name in (
            "instore_events_stored_total",
            "instore_dead_letters_total",
            "instore_consent_changes_total 1.0",
            "instore_alarms_open",
        ):
            assert name in r.text

    run(app, scenario)


def test_next_is_never_an_open_redirect(app: FastAPI) -> None:
    async def scenario(c: httpx.AsyncClient) -> None:
        page = await c.get("/login?next=//evil.example/")
        assert 'name="next" value="/"' in page.text

    run(app, scenario)


def test_metrics_carry_edge_counters_per_device(app: FastAPI) -> None:
    db = open_writer(app.state.dashboard.db_path)
    db.execute(
        "INSERT INTO devices(device, store, kind, public_key, enrolled_at, outbox_depth, "
        "counters) VALUES ('gateway-1', 's', 'gateway', 'k', 0, 7, ?)",
        ('{"ble_dropped": 42, "scan_frames": 100, "scan_decoded": 25}',),
    )
    db.execute("INSERT INTO counters(name, value) VALUES ('dead_letters.no consent', 3)")
    db.close()

    async def scenario(c: httpx.AsyncClient) -> None:
        text = (await c.get("/metrics", headers=scrape(app))).text
        assert 'instore_outbox_depth{device="gateway-1"} 7.0' in text
        assert 'instore_adverts_dropped_total{device="gateway-1"} 42.0' in text
        assert 'instore_decode_rate{device="gateway-1"} 0.25' in text
        assert 'instore_dead_letters_total{reason="no consent"} 3.0' in text

    run(app, scenario)


def test_the_live_summary_changes_when_an_alarm_is_raised(app: FastAPI) -> None:
    dash = app.state.dashboard
    before = live_summary(dash)
    db = open_writer(dash.db_path)
    db.execute(
        "INSERT INTO alarms(raised, kind, subject, detail) VALUES (1, 'device offline', "
        "'kiosk-9', 'no heartbeat')"
    )
    db.close()
    after = live_summary(dash)
    assert (before["alarms"], after["alarms"]) == (0, 1)
    assert after["alarms_unacked"] == 1
    assert after["alarms_fingerprint"] != before["alarms_fingerprint"]


def test_an_idle_session_ends_and_a_used_one_lives_on(tmp_path: Path) -> None:
    db = open_writer(tmp_path / "hub.db")
    auth.add_user(db, "sam", Role.STAFF, PASSWORD, time.time())
    db.close()
    built = dashboard_app(
        tmp_path / "hub.db", settings=DashboardSettings(session_idle_s=1.0), run_jobs=False
    )

    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "sam")
        for _ in range(6):  # used every 0.4 s for 2.4 s: it lives
            await asyncio.sleep(0.4)
            assert (await c.get("/")).status_code == 200
        await asyncio.sleep(1.3)  # then left alone
        r = await c.get("/")
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")

    try:
        run(built, scenario)
    finally:
        built.state.dashboard.close()


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    db = open_writer(tmp_path / "hub.db")
    auth.add_user(db, "sam", Role.STAFF, PASSWORD, time.time())
    db.close()

    async def guess(c: httpx.AsyncClient, forwarded: list[str]) -> list[int]:
        page = await c.get("/login")
        codes = []
        for address in forwarded:
            form = {"username": "sam", "password": "wrong password!!", "csrf": csrf_of(page.text)}
            page = await c.post("/login", data=form, headers={"x-forwarded-for": address})
            codes.append(page.status_code)
        return codes

    spoofs = [f"203.0.113.{i}" for i in range(5)]
    for proxies, expected in (((), [401, 401, 401, 429, 429]), (("127.0.0.0/8",), [401] * 5)):
        built = dashboard_app(
            tmp_path / "hub.db",
            settings=DashboardSettings(trusted_proxies=proxies),
            run_jobs=False,
        )

        async def scenario(c: httpx.AsyncClient, expected: list[int] = expected) -> None:
            assert await guess(c, spoofs) == expected

        try:
            run(built, scenario)
        finally:
            built.state.dashboard.close()


def test_an_admin_revokes_a_device_and_staff_cannot(app: FastAPI) -> None:
    db = open_writer(app.state.dashboard.db_path)
    db.execute(
        "INSERT INTO devices(device, store, kind, public_key, enrolled_at) "
        "VALUES ('kiosk-7', 's', 'kiosk', 'k', 0)"
    )
    db.close()
    (app.state.dashboard.db_path.parent / "hub.yaml").write_text("store: s\n")

    async def scenario(c: httpx.AsyncClient) -> None:
        await login(c, "sam")
        page = await c.get("/admin/devices")
        assert page.status_code == 403
        c.cookies.clear()
        await login(c, "ada")
        page = await c.get("/admin/devices")
        form = {"csrf": csrf_of(page.text), "confirm": "kiosk-9"}
        typo = await c.post("/admin/devices/kiosk-7/revoke", data=form)
        assert "Type kiosk-7 to confirm" in typo.text
        form["confirm"] = "kiosk-7"
        done = await c.post("/admin/devices/kiosk-7/revoke", data=form)
        assert "its signing key is refused by the hub" in done.text

    run(app, scenario)
    check = open_writer(app.state.dashboard.db_path)
    revoked = check.execute("SELECT revoked_at FROM devices WHERE device = 'kiosk-7'").fetchone()
    check.close()
    assert revoked[0] is not None
