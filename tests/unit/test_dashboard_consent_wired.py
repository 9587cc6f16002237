"""The dashboard with the consent package wired in, as ``instore-hub run`` does it:
the chained ledger and its verification, full exports, erasure on request, retention."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI

from hub.consent.system import ConsentSystem
from hub.dashboard import auth
from hub.dashboard.app import dashboard_app
from hub.dashboard.roles import Role
from hub.dashboard.schema import open_writer
from hub.settings import HubHome, HubSettings

PASSWORD = "correct horse battery"
SUBJECT = "ps_wiredshopper000000001"


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[tuple[FastAPI, ConsentSystem]]:
    home = HubHome(tmp_path)
    home.init(HubSettings(store="demo"))
    system = ConsentSystem(home)
    system.registry.confirm_age(SUBJECT, 1990, 2026)
    system.registry.set_consent(SUBJECT, "analytics", True, notify=False)
    db = open_writer(home.db_path)
    auth.add_user(db, "pia", Role.PRIVACY_OFFICER, PASSWORD, time.time())
    db.close()
    app = dashboard_app(
        home.db_path, consent=system.registry, requests=system.requests, run_jobs=False
    )
    yield app, system
    app.state.dashboard.close()
    system.close()


def run(app: FastAPI, scenario: Callable[[httpx.AsyncClient], Awaitable[None]]) -> None:
    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            page = await c.get("/login")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token is not None
            await c.post("/login", data={"username": "pia", "password": PASSWORD, "csrf": token[1]})
            await scenario(c)

    asyncio.run(go())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def test_ledger_verifies_and_views_go_to_the_chained_audit_log(
    wired: tuple[FastAPI, ConsentSystem],
) -> None:
    app, system = wired

    async def scenario(c: httpx.AsyncClient) -> None:
        page = await c.get(f"/privacy/consents?subject={SUBJECT}&verify=1")
        assert "consent.given" in page.text
        assert "analytics" in page.text
        assert page.text.count("intact") == 2  # the ledger and the audit log
        audit = await c.get("/privacy/audit")
        assert "dashboard.view.consent_ledger" in audit.text

    run(app, scenario)
    rows = system.registry.db.execute(
        "SELECT kind FROM audit_log WHERE kind LIKE 'dashboard.%'"
    ).fetchall()
    assert ("dashboard.view.consent_ledger",) in rows


def test_full_export_then_erasure_on_request(wired: tuple[FastAPI, ConsentSystem]) -> None:
    app, system = wired

    async def scenario(c: httpx.AsyncClient) -> None:
        export = (await c.get(f"/privacy/requests/export?subject={SUBJECT}")).json()
        assert export["consents"]["analytics"] is True
        assert export["receipts"]
        page = await c.get(f"/privacy/requests?subject={SUBJECT}")
        token = csrf_of(page.text)
        wrong = await c.post(
            "/privacy/requests/erase",
            data={"csrf": token, "subject": SUBJECT, "confirm": "ps_someoneelse000000000"},
        )
        assert wrong.status_code == 422
        done = await c.post(
            "/privacy/requests/erase", data={"csrf": token, "subject": SUBJECT, "confirm": SUBJECT}
        )
        assert done.status_code == 200
        assert 'id="erased"' in done.text

    run(app, scenario)
    assert system.registry.check(SUBJECT, "analytics") is False
    kinds = [r[0] for r in system.registry.db.execute("SELECT kind FROM audit_log")]
    assert "dsr.erase" in kinds
    assert "dsr.access" in kinds


def test_retention_is_saved_for_the_consent_package(
    wired: tuple[FastAPI, ConsentSystem], tmp_path: Path
) -> None:
    app, _ = wired

    async def scenario(c: httpx.AsyncClient) -> None:
        page = await c.get("/privacy/retention")
        days = {
            "days_presence": "2",
            "days_personal_recs": "90",
            "days_pickup_offers": "60",
            "days_analytics": "14",
        }
        r = await c.post("/privacy/retention", data={"csrf": csrf_of(page.text), **days})
        assert r.status_code == 303
        bad = await c.post(
            "/privacy/retention", data={"csrf": csrf_of(page.text), **days, "days_analytics": "0"}
        )
        assert bad.status_code == 422

    run(app, scenario)
    saved = yaml.safe_load((tmp_path / "consent.yaml").read_text())
    assert saved["retention_days"]["analytics"] == 14
