"""The hub's web app as one piece: mounted apps (phone pages, map, dashboard), one header
policy on every response, and errors as problems for scripts and pages for people."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from hub.consent.system import ConsentSystem
from hub.settings import HubHome, HubSettings
from hub.storage import SqliteEventStore
from hub.web import build_app
from simulators.venue import DemoVenue, write_demo_venue

HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a browser sends
# Every page the hub serves without a login or a parameter, and what it must be.
PAGES = ["/login", "/healthz", "/s/", "/s/notice", "/map/", "/map/route", "/nowhere"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoVenue:
    return write_demo_venue(tmp_path_factory.mktemp("venue") / "demo")


@pytest.fixture
def app(tmp_path: Path, demo: DemoVenue) -> Iterator[Starlette]:
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="store"))
    SqliteEventStore(home.db_path).close()
    consent = ConsentSystem(home)
    try:
        yield build_app(home, consent, map_path=demo.imdf, run_jobs=False)
    finally:
        consent.close()


def fetch(app: Starlette, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://hub.test") as c:
            return await c.get(path, headers=headers)

    return asyncio.run(go())


@pytest.mark.parametrize("path", PAGES)
def test_every_mounted_app_answers_under_the_one_header_policy(app: Starlette, path: str) -> None:
    r = fetch(app, path, HTML)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_static_files_may_be_cached_and_still_carry_the_policy(app: Starlette) -> None:
    for path in ("/dash-static/style.css", "/s/static/phone.css", "/map/static/map.css"):
        r = fetch(app, path)
        assert r.status_code == 200, path
        assert "no-store" not in r.headers.get("cache-control", ""), path
        assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_carry_no_inline_script_or_style(app: Starlette, demo: DemoVenue) -> None:
    for path in ("/login", "/s/", "/s/notice", f"/map/?from={demo.entrance_kiosk}&to=x"):
        text = fetch(app, path, HTML).text
        assert "<style" not in text, path
        assert " style=" not in text, path
        assert "<script>" not in text, path


def test_errors_are_problems_for_scripts_and_pages_for_people(app: Starlette) -> None:
    cases = {
        "/s/me": 400,  # no phone cookie yet
        "/map/route": 422,  # no from and to
        "/map/level/9.svg": 404,
        "/api/devices": 401,  # not logged in
        "/nowhere": 404,
    }
    for path, status in cases.items():
        script = fetch(app, path, {"accept": "application/json"})
        assert script.status_code == status, path
        assert script.headers["content-type"] == "application/problem+json", path
        problem = script.json()
        assert problem["status"] == status
        assert problem["title"]
        assert problem["detail"]
        person = fetch(app, path, HTML)
        if path == "/api/devices":  # a person is sent to log in instead
            assert person.status_code == 303
            continue
        assert person.status_code == status, path
        assert person.headers["content-type"].startswith("text/html"), path
        assert problem["detail"] in html.unescape(person.text), path


def test_a_person_without_a_login_is_sent_to_log_in(app: Starlette) -> None:
    r = fetch(app, "/analytics", HTML)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/analytics"


def post(app: Starlette, path: str, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://hub.test") as c:
            return await c.post(path, headers=headers, data={"on": "1"})

    return asyncio.run(go())


@pytest.mark.parametrize(
    "sent_from",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"origin": "https://x.test"},
    ],
)
def test_a_write_from_another_site_is_refused(app: Starlette, sent_from: dict[str, str]) -> None:
    for path in ("/s/consent/analytics", "/s/erase", "/login", "/admin/users"):
        r = post(app, path, {"accept": "application/json", **sent_from})
        assert r.status_code == 403, path
        assert "another site" in r.json()["detail"]


def test_a_write_from_our_own_page_goes_through(app: Starlette) -> None:
    same = {"accept": "application/json", "origin": "https://hub.test"}
    r = post(app, "/s/consent/analytics", same | {"sec-fetch-site": "same-origin"})
    assert r.status_code == 400  # judged on: no phone cookie yet
