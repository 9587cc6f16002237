"""Log in and out. Failed logins are rate-limited per user name and per client."""

from __future__ import annotations

import secrets
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.dashboard import auth
from hub.dashboard.context import LOGIN_COOKIE, SESSION_COOKIE, Dash, Dashboard


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
    client = request.client.host if request.client else "unknown"
    keys = (f"user:{name}", f"client:{client}")
    now = time.time()
    wait = dash.limiter.blocked(keys, now)
    if wait > 0:
        response = login_page(
            dash, request, f"Too many failed logins. Try again in {wait / 60:.0f} min.", 429
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    with dash.writer() as db:
        user = auth.authenticate(db, name, password)
        if user is None:
            dash.limiter.failed(keys, now)
            return login_page(dash, request, "Wrong user name or password.", 401)
        token = auth.open_session(db, user, now, dash.settings.session_ttl_s)
    dash.limiter.succeeded((f"user:{name}",))
    dash.audit(user.name, "dashboard.login", None, {"role": user.role.value})
    response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=dash.secure(request),
        max_age=int(dash.settings.session_ttl_s),
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
