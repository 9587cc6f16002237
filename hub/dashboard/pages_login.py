"""Log in and out. Failed logins make the next try wait longer (hub/dashboard/throttle.py)."""

from __future__ import annotations

import math
import secrets
import time
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.dashboard import auth
from hub.dashboard.context import DEVICE_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, Dash, Dashboard
from hub.dashboard.throttle import Attempt, in_words

YEAR_S: Final = 365 * 24 * 3600  # how long a browser stays known


def safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


router = APIRouter()


def login_page(dash: Dashboard, request: Request, error: str | None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = dash.render(
        "login.html",
        request,
        None,
        status=status,
        error=error,
        login_csrf=token,
        next=safe_next(request.query_params.get("next")),
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=dash.secure(request),
        max_age=3600,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, dash: Dash) -> Response:
    if dash.session(request) is not None:
        return RedirectResponse("/", status_code=303)
    return login_page(dash, request, None)


@router.post("/login")
async def login(request: Request, dash: Dash) -> Response:
    form = await request.form()
    name = str(form.get("username", "")).strip().lower()
    password = str(form.get("password", ""))
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not auth.csrf_ok(expected, str(form.get("csrf", ""))):
        return login_page(dash, request, "The login form expired; please try again.", 403)
    now = time.time()
    device = auth.device_of(dash.readers.get(), request.cookies.get(DEVICE_COOKIE), name)
    attempt = Attempt(name, dash.client_address(request), device)
    wait = dash.throttle.wait(attempt, now)
    if wait > 0:
        response = login_page(
            dash,
            request,
            f"Too many failed logins from here. Try again in {in_words(wait)}.",
            429,
        )
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    with dash.writer() as db:
        user = auth.authenticate(db, name, password)
        if user is None:
            dash.throttle.failed(attempt, now)
            return login_page(dash, request, "Wrong user name or password.", 401)
        token = auth.open_session(db, user, now, dash.settings.session_ttl_s)
        known = None if device else auth.issue_device(db, user.name, now)
    dash.throttle.succeeded(attempt)
    dash.audit(user.name, "dashboard.login", None, {"role": user.role.value})
    response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    secure = dash.secure(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=int(dash.settings.session_ttl_s),
    )
    if known is not None:  # this browser is known from now on (a year)
        response.set_cookie(
            DEVICE_COOKIE,
            known,
            httponly=True,
            samesite="strict",
            secure=secure,
            max_age=31_536_000,
        )
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, dash: Dash) -> Response:
    session = dash.session(request)
    token = request.cookies.get(SESSION_COOKIE)
    if session is not None and token:
        await dash.check_form(request, session)
        with dash.writer() as db:
            auth.close_session(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
