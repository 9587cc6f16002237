"""The staff and privacy dashboard as an app of its own (the hub mounts it at ``/``):
its pages (hub/dashboard/pages_*.py), ``/metrics`` for Prometheus, ``/healthz``, and the
background jobs (alarms, rollups) when ``run_jobs``."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from domain.web.headers import HeaderPolicy, SecurityHeaders
from domain.web.origin import same_origin_writes
from domain.web.problems import answer_errors, problem, wants_html
from hub.dashboard import metrics, pages_admin, pages_login, pages_privacy, pages_staff
from hub.dashboard.context import (
    ConsentPort,
    Dashboard,
    NotLoggedIn,
    RequestsPort,
    login_redirect,
)
from hub.dashboard.jobs import DashboardJobs
from hub.dashboard.rollups import Opener, seal_opener
from hub.dashboard.settings import DashboardSettings, load_settings
from hub.settings import HubHome

_STATIC: Final = Path(__file__).parent / "static"
_POLICY: Final = HeaderPolicy(cacheable=("/dash-static/",))


def dashboard_app(
    db_path: Path,
    title: str = "instore hub",
    *,
    settings: DashboardSettings | None = None,
    ingest_stats: Callable[[], tuple[int, int, float] | None] | None = None,
    consent: ConsentPort | None = None,
    requests: RequestsPort | None = None,
    opener: Opener | None = None,
    run_jobs: bool = True,
    metrics_token: str | None = None,
) -> FastAPI:
    """The dashboard over the hub database at ``db_path`` (its data directory is the
    parent: ``dashboard.yaml`` there tunes it). ``opener`` reads stored personal data
    for the presence rollups; by default the data sealed to the hub key is opened."""
    settings = settings or load_settings(db_path.parent)
    dash = Dashboard(
        db_path,
        settings,
        title=title,
        consent=consent,
        requests=requests,
        ingest_stats=ingest_stats or (lambda: None),
    )
    if opener is None and (db_path.parent / "keys" / "seal.key").exists():
        opener = seal_opener(HubHome(db_path.parent).seal_key())
    jobs = DashboardJobs(db_path, settings, opener) if run_jobs else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if jobs is not None:
            jobs.start()
        try:
            yield
        finally:
            if jobs is not None:
                jobs.stop()
            dash.close()

    app = FastAPI(
        title=title,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(same_origin_writes)],
    )
    app.state.dashboard = dash
    app.state.jobs = jobs
    app.state.metrics_token = metrics_token or HubHome(db_path.parent).metrics_token()
    app.state.metrics = metrics.make_registry(
        metrics.HubCollector(dash.readers.get, settings, dash.ingest_stats)
    )
    app.mount("/dash-static", StaticFiles(directory=_STATIC), name="dashboard-static")
    for pages in (pages_login, pages_staff, pages_privacy, pages_admin):
        app.include_router(pages.router)
    app.add_api_route("/metrics", prometheus, methods=["GET"])
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_exception_handler(NotLoggedIn, not_logged_in)
    answer_errors(app, error_page)
    app.add_middleware(SecurityHeaders, policy=_POLICY)
    return app


def prometheus(request: Request) -> Response:
    """The hub's figures in Prometheus' text format, for the scrape credential only
    (``Authorization: Bearer`` with the token in the hub's ``keys/metrics.token``)."""
    given = request.headers.get("authorization", "")
    expected = f"Bearer {request.app.state.metrics_token}"
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return problem(
            401,
            "Scrape with the hub's metrics token (Authorization: Bearer).",
            instance=request.url.path,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(metrics.render(request.app.state.metrics), media_type=metrics.CONTENT_TYPE)


def healthz() -> dict[str, str]:
    """For a load balancer or a service manager: the web app answers."""
    return {"status": "ok"}


async def not_logged_in(request: Request, exc: Exception) -> Response:
    """A person is sent to the login page and back; a script is told to log in."""
    assert isinstance(exc, NotLoggedIn)  # noqa: S101 - registered for NotLoggedIn only
    if wants_html(request):
        return login_redirect(exc.next_url)
    return problem(401, "Log in first.", instance=request.url.path)


def error_page(request: Request, status: int, detail: str) -> Response:
    """An error as a dashboard page, with the menu of whoever is logged in."""
    dash: Dashboard = request.app.state.dashboard
    return dash.render("error.html", request, dash.session(request), status=status, message=detail)
