"""The map page for the kiosk and the hub's phone pages: a FastAPI router.

``map_router(store)`` serves, under its prefix (``/map`` by default):
``GET /map?from=ID&to=ID&lang=de&level=ID|ORDINAL&step_free=1`` the page (SVG of one level,
level tabs, turn-by-turn steps), ``GET /map/level/{level}.svg`` one level as SVG, and
``GET /map/route`` the route as JSON (the ``map route --json`` object). Nothing personal:
the page is anonymous and needs no consent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from domain.languages import language_of
from domain.maps.errors import MapError, NoRouteError, UnknownPlaceError
from domain.maps.i18n import phrase
from domain.maps.load import StoreMap
from domain.maps.route import Route, level_label
from domain.maps.svg import render_level
from domain.pages import language_links, templates

_TEMPLATES: Final = templates(Path(__file__).parent)

From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query()]
Lang = Annotated[str | None, Query()]
StepFree = Annotated[bool, Query()]


def map_router(store: StoreMap, prefix: str = "/map", here: str | None = None) -> APIRouter:
    """A router serving ``store``'s map page, level SVGs and routes under ``prefix``.
    ``here`` is where routes start when a request names no ``from``: a kiosk passes its
    own kiosk id so that ``/map?to=GTIN`` shows the way from where the shopper stands."""
    router = APIRouter(prefix=prefix, tags=["map"])
    venue = store.venue
    if here is not None:
        store.router.resolve(here)  # fail at start-up, not on the first shopper

    def find_route(origin: str | None, dest: str | None, step_free: bool) -> Route | None:
        if not origin or not dest:
            return None
        return store.router.route(origin, dest, step_free)

    @router.get("", response_class=HTMLResponse)
    def page(
        origin: From = None,
        to: To = None,
        lang: Lang = None,
        level: str | None = None,
        step_free: StepFree = False,
    ) -> HTMLResponse:
        code = language_of(lang)
        origin = origin or here
        message, status, route = "", 200, None
        try:
            route = find_route(origin, to, step_free)
        except UnknownPlaceError as exc:
            message, status = str(exc), 404
        except NoRouteError:
            message, status = phrase(code, "no_step_free" if step_free else "no_route"), 404
        try:
            level_id = store.level(level, route, origin if status == 200 else None)
        except MapError as exc:
            message, status = str(exc), 404
            level_id = venue.levels_in_order()[0].id
        on_route = {store.router.graph.nodes[i].level_id for i in route.nodes} if route else set()

        def href(**changes: Any) -> str:
            params = {"from": origin, "to": to, "lang": code, "step_free": step_free or None}
            params.update(changes)
            kept = {k: ("1" if v is True else v) for k, v in params.items() if v}
            return f"{prefix}?{urlencode(kept)}"

        described = store.router.describe(route, code) if route else None
        html = _TEMPLATES.get_template("map.html").render(
            lang=code,
            title=phrase(code, "title"),
            level_name=level_label(venue.levels[level_id], code),
            levels=[
                {
                    "id": lv.id,
                    "name": level_label(lv, code),
                    "href": href(level=lv.id),
                    "active": lv.id == level_id,
                    "on_route": lv.id in on_route,
                }
                for lv in venue.levels_in_order()
            ],
            svg=render_level(store.router, level_id, route, code),
            steps=described["steps"] if described else [],
            total=phrase(code, "total", d=round(described["length_m"])) if described else "",
            step_free=step_free,
            step_free_label=phrase(code, "step_free"),
            toggle_href=href(step_free=not step_free) if origin and to else "",
            message=message,
            langs=language_links(lambda c: href(lang=c)),
            language_label=phrase(code, "language"),
        )
        return HTMLResponse(html, status_code=status)

    @router.get("/level/{level}.svg")
    def level_svg(
        level: str,
        origin: From = None,
        to: To = None,
        lang: Lang = None,
        step_free: StepFree = False,
    ) -> Response:
        origin = origin or here
        try:
            route = find_route(origin, to, step_free)
            level_id = store.level(level, route, None)
        except MapError as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        svg = render_level(store.router, level_id, route, language_of(lang))
        return Response(svg, media_type="image/svg+xml")

    @router.get("/route")
    def route_json(
        origin: From = None,
        to: To = None,
        lang: Lang = None,
        step_free: StepFree = False,
    ) -> JSONResponse:
        origin = origin or here
        if not origin or not to:
            return JSONResponse({"error": "give from and to"}, status_code=422)
        try:
            route = store.router.route(origin, to, step_free)
        except MapError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse(store.router.describe(route, language_of(lang)))

    return router
