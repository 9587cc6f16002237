"""The kiosk screen: a FastAPI app the edge agent serves on localhost for Chromium in kiosk
mode. The product card is pushed to the page by server-sent events as the code is read.

The map pages are an app of their own, mounted at ``/map`` (``edge/kiosk/device.py``); the
recommender is the ``suggest`` port.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, Final

import orjson
from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from domain.catalog.products import Catalog
from domain.languages import LANGUAGES, pick_language
from domain.web.headers import HeaderPolicy, SecurityHeaders
from domain.web.origin import same_origin_writes
from domain.web.pages import language_links, templates
from domain.web.problems import answer_errors
from edge.kiosk.i18n import strings_for
from edge.kiosk.kiosk import EventSink, Kiosk, Suggester
from edge.kiosk.scanloop import CameraLoop, ScannerLoop
from edge.kiosk.session import DEFAULT_IDLE_TIMEOUT_S, PairingResolver
from edge.ports import Camera, CodeInput
from edge.scan.worker import DeadlineDecoder

_HERE: Final = Path(__file__).parent
# 15 s: proxies and browsers drop a silent stream after ~30-60 s; a comment line keeps it.
_KEEPALIVE_S: Final = 15.0
_TICK_S: Final = 0.5  # how often the idle timeout is checked
_templates: Final = templates(_HERE / "templates")


class CodeIn(BaseModel):
    """A code the page's keyboard-wedge listener assembled."""

    text: str = Field(min_length=1, max_length=256)


async def _stream(
    kiosk: Kiosk, page: asyncio.Queue[dict[str, Any]], request: Request
) -> AsyncIterator[bytes]:
    try:
        yield b"retry: 1000\n\n"
        while not await request.is_disconnected():
            try:
                update = await asyncio.wait_for(page.get(), _KEEPALIVE_S)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            yield b"data: " + orjson.dumps(update) + b"\n\n"
    finally:
        kiosk.unsubscribe(page)


def build_kiosk_app(
    catalog: Catalog,
    sink: EventSink | None = None,
    camera: Camera | None = None,
    scanner: CodeInput | None = None,
    *,
    pairing: PairingResolver | None = None,
    suggest: Suggester | None = None,
    map_url: str | None = None,
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
    decoder: Callable[[], DeadlineDecoder] = DeadlineDecoder,
) -> FastAPI:
    """The kiosk app for ``catalog``. Scan events go to ``sink``; codes come from ``camera``
    (decoded in a worker process under a per-frame deadline), ``scanner``, and keystrokes
    the page itself hears. ``app.state.kiosk`` is the :class:`Kiosk` behind it."""
    kiosk = Kiosk(
        catalog,
        sink,
        pairing=pairing,
        suggest=suggest,
        map_url=map_url,
        idle_timeout_s=idle_timeout_s,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loops: list[CameraLoop | ScannerLoop] = []
        if camera is not None:
            loops.append(CameraLoop(camera, kiosk, decoder))
        if scanner is not None:
            loops.append(ScannerLoop(scanner, kiosk))
        for loop in loops:
            loop.start()

        async def ticker() -> None:
            while True:
                await asyncio.sleep(_TICK_S)
                kiosk.tick()

        task = asyncio.create_task(ticker())
        app.state.loops = loops
        try:
            yield
        finally:
            task.cancel()
            for loop in loops:
                await asyncio.to_thread(loop.stop)

    app = FastAPI(
        title="instore kiosk",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(same_origin_writes)],
    )
    app.state.kiosk = kiosk
    app.state.idle_timeout_s = idle_timeout_s
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="kiosk-static")
    app.add_api_route("/", screen, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/events", events, methods=["GET"])
    app.add_api_route("/api/code", code, methods=["POST"])
    app.add_api_route("/api/done", done, methods=["POST"])
    app.add_api_route("/api/touch", touch, methods=["POST"])
    answer_errors(app, _error_page)
    app.add_middleware(SecurityHeaders, policy=HeaderPolicy())
    return app


def _kiosk(request: Request) -> Kiosk:
    kiosk: Kiosk = request.app.state.kiosk
    return kiosk


KioskDep = Annotated[Kiosk, Depends(_kiosk)]


def screen(
    request: Request,
    lang: str | None = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    """The screen, in the chosen language; every language's words ride along for the
    page's own switch."""
    language = pick_language(lang, accept_language)
    html = _templates.get_template("kiosk.html").render(
        lang=language,
        t=strings_for(language),
        languages=language_links(lambda code: f"/?lang={code}"),
        strings_json=orjson.dumps({code: strings_for(code) for code in LANGUAGES}).decode(),
        idle_ms=int(request.app.state.idle_timeout_s * 1000),
    )
    return HTMLResponse(html)


async def events(request: Request, kiosk: KioskDep) -> StreamingResponse:
    """What the screen shows, pushed as server-sent events."""
    # Subscribe before the headers go out: the page's "open" means it will get updates.
    page = kiosk.subscribe()
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _stream(kiosk, page, request), media_type="text/event-stream", headers=headers
    )


def code(body: CodeIn, kiosk: KioskDep) -> JSONResponse:
    """A code the page heard from a keyboard-wedge scanner."""
    return JSONResponse(kiosk.submit_text(body.text, "scanner"))


def done(kiosk: KioskDep) -> JSONResponse:
    """The shopper pressed Done: the session ends on screen."""
    return JSONResponse(kiosk.done())


def touch(kiosk: KioskDep) -> JSONResponse:
    """The shopper is still there: the idle timeout starts again."""
    kiosk.session.touch(kiosk.clock())
    return JSONResponse({"ok": True})


def _error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    language = pick_language(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )
    html = _templates.get_template("error.html").render(
        lang=language, t=strings_for(language), status=status, detail=detail
    )
    return HTMLResponse(html, status_code=status)
