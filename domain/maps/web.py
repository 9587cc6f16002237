"""The map pages, an app the kiosk and the hub both mount (at ``/map``).

``map_app(store)`` serves ``GET /?from=ID&to=ID&lang=de&level=ID|ORDINAL&step_free=1``
the page (SVG of one level, level tabs, turn-by-turn steps), ``GET /level/{level}.svg``
one level as SVG, and ``GET /route`` the route as JSON (the ``map route --json`` object).
Nothing personal: the pages are anonymous and need no consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from domain.languages import language_of
from domain.maps.errors import MapError, NoRouteError, UnknownPlaceError
from domain.maps.i18n import phrase
from domain.maps.load import StoreMap
from domain.maps.route import Route, level_label
from domain.maps.svg import render_level
from domain.web.headers import HeaderPolicy, SecurityHeaders
from domain.web.origin import same_origin_writes
from domain.web.pages import language_links, templates
from domain.web.problems import answer_errors

_HERE: Final = Path(__file__).parent
_TEMPLATES: Final = templates(_HERE)

From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query()]
Lang = Annotated[str | None, Query()]
StepFree = Annotated[bool, Query()]


@dataclass(frozen=True, slots=True)
class MapState:
    store: StoreMap
    # Where routes start when a request names no ``from``: a kiosk's own id, so that
    # ``?to=GTIN`` shows the way from where the shopper stands.
    here: str | None = None

    def route(self, origin: str | None, dest: str | None, step_free: bool) -> Route | None:
        if not origin or not dest:
            return None
        return self.store.router.route(origin, dest, step_free)


def _state(request: Request) -> MapState:
    state: MapState = request.app.state.map
    return state


Map = Annotated[MapState, Depends(_state)]


def map_app(store: StoreMap, here: str | None = None) -> FastAPI:
    """The map pages of ``store``, to mount at any path (``/map`` on the kiosk and hub)."""
    if here is not None:
        store.router.resolve(here)  # fail at start-up, not on the first shopper
    app = FastAPI(
        title="instore map",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(same_origin_writes)],
    )
    app.state.map = MapState(store, here)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="map-static")
    app.add_api_route("/", page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/level/{level}.svg", level_svg, methods=["GET"])
    app.add_api_route("/route", route_json, methods=["GET"])
    answer_errors(app, _error_page)
    app.add_middleware(SecurityHeaders, policy=HeaderPolicy())
    return app


def page(
    request: Request,
    state: Map,
    *,
    origin: From = None,
    to: To = None,
    lang: Lang = None,
    level: str | None = None,
    step_free: StepFree = False,
) -> HTMLResponse:
    """The map page: one level, its tabs, and the route with its steps."""
    store, venue = state.store, state.store.venue
    code = language_of(lang)
    origin = origin or state.here
    base = request.scope.get("root_path", "")
    message, status, route = "", 200, None
    try:
        route = state.route(origin, to, step_free)
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
        return f"{base}/?{urlencode(kept)}"

    described = store.router.describe(route, code) if route else None
    html = _TEMPLATES.get_template("map.html").render(
        base=base,
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


def level_svg(
    level: str,
    state: Map,
    *,
    origin: From = None,
    to: To = None,
    lang: Lang = None,
    step_free: StepFree = False,
) -> Response:
    """One level as an SVG image, with the route's part on it."""
    route = state.route(origin or state.here, to, step_free)
    level_id = state.store.level(level, route)
    svg = render_level(state.store.router, level_id, route, language_of(lang))
    return Response(svg, media_type="image/svg+xml")


def route_json(
    state: Map,
    *,
    origin: From = None,
    to: To = None,
    lang: Lang = None,
    step_free: StepFree = False,
) -> JSONResponse:
    """The route as ``instore-edge map route --json`` prints it."""
    origin = origin or state.here
    if not origin or not to:
        raise MapError("give from and to")
    route = state.store.router.route(origin, to, step_free)
    return JSONResponse(state.store.router.describe(route, language_of(lang)))


def _error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    code = language_of(request.query_params.get("lang"))
    base = request.scope.get("root_path", "")
    html = _TEMPLATES.get_template("map_error.html").render(
        base=base, lang=code, title=phrase(code, "title"), message=detail
    )
    return HTMLResponse(html, status_code=status)
