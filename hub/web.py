"""Everything the hub serves over HTTP, as mounted apps that each keep their own
middleware and error handlers under the one header policy (domain/web/):

- ``/s``: the shoppers' phone pages (hub/consent/center.py),
- ``/map``: the store map, when the hub has one (domain/maps/web.py),
- ``/``: the staff and privacy dashboard, ``/metrics`` and ``/healthz``
  (hub/dashboard/app.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

from domain.maps.load import open_map
from domain.maps.web import map_app
from domain.recs.catalog_recs import CatalogRecommender
from domain.web.problems import PROBLEM_JSON
from hub.consent.center import PREFIX, phone_app
from hub.consent.system import ConsentSystem
from hub.dashboard.app import dashboard_app
from hub.dashboard.rollups import stored_data_opener
from hub.service import HubService
from hub.settings import HubHome


def build_app(
    home: HubHome,
    consent: ConsentSystem,
    service: HubService | None = None,
    *,
    secure: bool = False,
    map_path: Path | None = None,
    run_jobs: bool = True,
    suggest: CatalogRecommender | None = None,
) -> Starlette:
    """The hub's web app: the phone pages (with "For you" given a recommender), the map
    (given one), and the dashboard over the store's database."""

    def stats() -> tuple[int, int, float] | None:
        if service is None:
            return None
        return service.stats.stored, service.stats.batches, service.stats.started

    dashboard = dashboard_app(
        home.db_path,
        ingest_stats=stats,
        consent=consent.registry,
        requests=consent.requests,
        opener=stored_data_opener(consent.protector.open),
        run_jobs=run_jobs,
    )
    mounts = [Mount(PREFIX, app=phone_app(consent, secure_cookies=secure, suggest=suggest))]
    if map_path is not None:
        mounts.append(Mount("/map", app=map_app(open_map(map_path))))
    mounts.append(Mount("", app=dashboard))  # last: everything else is the dashboard's

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # A mounted app's own lifespan is not run by its parent: the dashboard's jobs.
        async with dashboard.router.lifespan_context(dashboard):
            yield

    return Starlette(routes=mounts, lifespan=lifespan)


def api_document(app: Starlette) -> dict[str, Any]:
    """One OpenAPI document for every mounted app, paths under their mount points, and
    errors documented as they are answered (``application/problem+json``)."""
    spec: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for route in app.routes:
        if not (isinstance(route, Mount) and isinstance(route.app, FastAPI)):
            continue
        sub = route.app.openapi() if route.app.openapi_url else _force_openapi(route.app)
        spec = spec or {k: v for k, v in sub.items() if k not in ("paths", "components")}
        for path, item in sub.get("paths", {}).items():
            paths[route.path + path] = item
        schemas.update(sub.get("components", {}).get("schemas", {}))
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = _PROBLEM
    for item in paths.values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {
                        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
    spec["info"] = {"title": "instore hub", "version": spec.get("info", {}).get("version", "")}
    return spec | {"paths": dict(sorted(paths.items())), "components": {"schemas": schemas}}


def _force_openapi(app: FastAPI) -> dict[str, Any]:
    from fastapi.openapi.utils import get_openapi  # noqa: PLC0415

    return get_openapi(title=app.title, version=app.version, routes=app.routes)


_PROBLEM: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "about:blank"},
        "title": {"type": "string", "description": "the HTTP status phrase"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong, in a sentence"},
        "instance": {"type": "string", "description": "the path asked"},
    },
    "required": ["type", "title", "status", "detail"],
}
