"""The kiosk screen's app answers under the same header policy as the hub's pages, and
its errors are problems for its script and pages for a person."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from domain.catalog.products import Catalog
from edge.kiosk.web import build_kiosk_app


def fetch(app: FastAPI, method: str, path: str, **kwargs: object) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as c:
            return await c.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_the_screen_and_its_api_carry_the_header_policy() -> None:
    app = build_kiosk_app(Catalog())
    for method, path in (("GET", "/"), ("POST", "/api/done"), ("GET", "/static/kiosk.css")):
        r = fetch(app, method, path)
        assert r.status_code == 200, path
        assert "'unsafe-inline'" not in r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        cached = path.startswith("/static/")
        assert ("no-store" in r.headers.get("cache-control", "")) is not cached, path


def test_a_bad_code_is_a_problem_for_the_script() -> None:
    app = build_kiosk_app(Catalog())
    r = fetch(app, "POST", "/api/code", json={"text": ""})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert "text" in r.json()["detail"]
    page = fetch(app, "GET", "/nowhere", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
