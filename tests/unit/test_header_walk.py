"""Every route the hub and the kiosk serve, found from the apps themselves and asked for
over real HTTP(S), answers under the header policy: a strict CSP without inline script
or style, no framing, no-store (static files aside), HSTS on HTTPS."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from domain.catalog.products import Catalog
from edge.kiosk.web import build_kiosk_app
from hub.consent.system import ConsentSystem
from hub.consent.tls import self_signed
from hub.dashboard.roles import Role
from hub.dashboard.users import add_users
from hub.settings import HubHome, HubSettings
from hub.storage import SqliteEventStore
from hub.web import build_app
from simulators.attack.walk import MissingSampleError, Page, faults, pages, walk
from simulators.attack.web import Browser
from simulators.net import free_port
from simulators.venue import write_demo_venue

SAMPLES = {
    "purpose": "analytics",
    "level": "0",
    "n": "1",
    "action": "ack",
    "name": "staff",
    "device": "kiosk-1",
}


@contextlib.contextmanager
def serving(app: ASGIApp, cert: tuple[Path, Path] | None = None) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(cert[0]) if cert else None,
        ssl_keyfile=str(cert[1]) if cert else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ends = time.monotonic() + 20
    while not server.started and time.monotonic() < ends:
        time.sleep(0.02)
    assert server.started
    try:
        yield f"{'https' if cert else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_every_hub_route_answers_under_the_header_policy(tmp_path: Path) -> None:
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="store"))
    SqliteEventStore(home.db_path).close()
    logins = add_users(home, {"admin": Role.ADMIN, "officer": Role.PRIVACY_OFFICER})
    venue = write_demo_venue(tmp_path / "venue")
    consent = ConsentSystem(home)
    app = build_app(home, consent, map_path=venue.imdf, run_jobs=False, secure=True)
    walked = pages(app.routes, SAMPLES)
    assert len(walked) >= 45  # every mounted app's routes, not just the dashboard's
    assert any(p.static and p.path.startswith("/s/static/") for p in walked)
    cert = self_signed(home, ["127.0.0.1"])
    try:
        with serving(app, cert) as url:
            # The admin's pages and then the privacy officer's (each sees only their own),
            # with a shopper's phone cookie for the phone pages.
            for person in ("admin", "officer"):
                with contextlib.closing(Browser(url, cert[0])) as browser:
                    browser.get("/s/")
                    assert browser.login(person, logins[person]).status_code == 303
                    assert walk(browser, walked, https=True) == []
    finally:
        consent.close()


def test_every_kiosk_route_answers_under_the_header_policy() -> None:
    app = build_kiosk_app(Catalog())
    walked = pages(app.routes, SAMPLES)
    assert {"/", "/api/code"} <= {p.path for p in walked}
    with serving(app) as url, contextlib.closing(Browser(url, None)) as browser:
        assert walk(browser, walked, https=False) == []


def test_a_route_without_a_sample_stops_the_walk() -> None:
    app = Starlette(routes=[Mount("/x", routes=[Route("/{secret}", lambda r: None)])])
    with pytest.raises(MissingSampleError):
        pages(app.routes, SAMPLES)


def test_the_judge_sees_a_missing_header() -> None:
    bare = httpx.Response(200, headers={"content-type": "text/html"}, text="<p style='x'>")
    found = faults(Page("GET", "/bare"), bare, bare.content, https=True)
    assert any("Content-Security-Policy" in f for f in found)
    assert any("Strict-Transport-Security" in f for f in found)
    assert any("inline style" in f for f in found)
    assert any("cached" in f for f in found)
