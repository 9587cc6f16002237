"""The hub's web app: the staff and privacy dashboard (hub/dashboard/), ``/metrics``
for Prometheus, and the background jobs (alarms, rollups) when ``run_jobs``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

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

# Same-origin everything: no CDN, no inline script; inline SVG attributes only.
_CSP: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
_DASHBOARD_PATHS: Final = (
    "/alarms",
    "/analytics",
    "/privacy",
    "/admin",
    "/login",
    "/logout",
    "/live",
    "/fragments",
    "/api/devices",
    "/metrics",
    "/dash-static/",
)
_STATIC: Final = Path(__file__).parent / "dashboard" / "static"


def create_app(
    db_path: Path,
    title: str = "instore hub",
    *,
    settings: DashboardSettings | None = None,
    ingest_stats: Callable[[], tuple[int, int, float] | None] | None = None,
    consent: ConsentPort | None = None,
    requests: RequestsPort | None = None,
    opener: Opener | None = None,
    run_jobs: bool = True,
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

    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.dashboard = dash
    app.state.jobs = jobs
    app.mount("/dash-static", StaticFiles(directory=_STATIC), name="dashboard-static")
    app.include_router(pages_login.router(dash))
    app.include_router(pages_staff.router(dash))
    app.include_router(pages_privacy.router(dash))
    app.include_router(pages_admin.router(dash))
    registry = metrics.make_registry(
        metrics.HubCollector(dash.readers.get, settings, dash.ingest_stats)
    )

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.render(registry), media_type=metrics.CONTENT_TYPE)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if request.url.path.startswith(("/api/", "/live", "/fragments/")):
            return Response("log in first", status_code=401)
        return login_redirect(exc.next_url)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_dashboard(request.url.path):
            return await http_exception_handler(request, exc)  # other routers' own errors
        session = dash.session(request)
        return dash.render(
            "error.html", request, session, status=exc.status_code, message=str(exc.detail)
        )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        path = request.url.path
        if not _is_dashboard(path):
            return response  # other packages' routers (phone pages) set their own headers
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not path.startswith("/dash-static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        if dash.secure(request):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    return app


def _is_dashboard(path: str) -> bool:
    return path == "/" or path.startswith(_DASHBOARD_PATHS)
