"""Errors as their reader wants them: RFC 9457 ``application/problem+json`` for an API
client, an HTML page for a person in a browser.

:func:`answer_errors` gives an app one handler for every error it can raise: FastAPI's
``HTTPException`` and request validation, and the project's own (each says its
``http_status``: an ``InputError`` is the client's fault, 422). Each app passes the function
that draws its HTML error page, in its own look and language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Final

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response

from domain.errors import InstoreError

PROBLEM_JSON: Final = "application/problem+json"

# Draws an app's HTML error page: (request, status, detail) -> response.
ErrorPage = Callable[[Request, int, str], Response | Awaitable[Response]]


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An RFC 9457 problem document: ``type`` about:blank, the status's ``title``."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update(extra)
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


def wants_html(request: Request) -> bool:
    """Whether to answer with a page: a browser navigating asks for HTML first; a client
    that takes anything (``*/*``) gets what the route it asked serves (a page route's
    declared ``response_class`` is HTML); scripts and API clients get problem documents."""
    accept = request.headers.get("accept", "").strip()
    if accept.startswith(("text/html", "application/xhtml")):
        return True
    if accept and not accept.startswith("*/*"):
        return False
    route = request.scope.get("route")
    response_class = getattr(route, "response_class", None)
    return isinstance(response_class, type) and issubclass(response_class, HTMLResponse)


def status_of(exc: Exception) -> int:
    """The HTTP status an error stands for."""
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, InstoreError):
        return exc.http_status
    return 500


def detail_of(exc: Exception) -> str:
    if isinstance(exc, HTTPException):
        return str(exc.detail)
    if isinstance(exc, RequestValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
    return str(exc)


def answer_errors(app: FastAPI, page: ErrorPage) -> None:
    """Install one handler for every error ``app`` can raise: ``page`` draws it for a
    browser, everyone else gets a problem document."""

    async def handle(request: Request, exc: Exception) -> Response:
        status, detail = status_of(exc), detail_of(exc)
        headers = getattr(exc, "headers", None)
        if wants_html(request):
            drawn = page(request, status, detail)
            response = await drawn if isinstance(drawn, Awaitable) else drawn
            if headers:
                response.headers.update(headers)
            return response
        return problem(status, detail, instance=request.url.path, headers=headers)

    for kind in (HTTPException, RequestValidationError, InstoreError):
        app.add_exception_handler(kind, handle)
