"""Admin pages: users and roles (new and reset passwords are generated and shown once),
and devices, which an admin can revoke."""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.dashboard import auth
from hub.dashboard.auth import UserError
from hub.dashboard.context import Dash, Dashboard
from hub.dashboard.fleet_view import devices
from hub.dashboard.roles import Area, Role
from hub.errors import HubError
from hub.fleet.errors import FleetError
from hub.fleet.store_security import revoke_everywhere
from hub.settings import HubHome


def generated_password() -> str:
    """A random password of about 130 bits, readable aloud over the phone."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(4))


router = APIRouter(prefix="/admin")


def page(dash: Dashboard, request: Request, **ctx: Any) -> Response:
    session = dash.require(request, Area.USERS)
    users = auth.list_users(dash.readers.get())
    return dash.render("admin_users.html", request, session, users=users, roles=list(Role), **ctx)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, dash: Dash) -> Response:
    return page(dash, request)


@router.post("/users", response_class=HTMLResponse)
async def add(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.USERS)
    form = await dash.check_form(request, session)
    name = form.get("name", "").strip().lower()
    try:
        role = Role(form.get("role", ""))
    except ValueError as exc:
        raise HTTPException(status_code=422, detail="Pick a role.") from exc
    password = generated_password()
    try:
        with dash.writer() as db:
            auth.add_user(db, name, role, password, time.time())
    except UserError as exc:
        return page(dash, request, error=str(exc))
    dash.audit(session.user.name, "dashboard.user.add", None, {"user": name, "role": role})
    return page(dash, request, shown_once=(name, password))


@router.post("/users/{name}/{action}", response_class=HTMLResponse)
async def change(request: Request, dash: Dash, name: str, action: str) -> Response:
    session = dash.require(request, Area.USERS)
    form = await dash.check_form(request, session)
    if action not in ("role", "disable", "enable", "reset"):
        raise HTTPException(status_code=404, detail="No such user action.")
    try:
        with dash.writer() as db:
            shown = apply_change(db, name, action, form.get("role", ""))
    except (UserError, ValueError) as exc:
        return page(dash, request, error=str(exc))
    dash.audit(
        session.user.name,
        f"dashboard.user.{action}",
        None,
        {"user": name, "role": form.get("role", "")},
    )
    if shown is not None:
        return page(dash, request, shown_once=shown)
    return RedirectResponse("/admin/users", status_code=303)


def devices_page(dash: Dashboard, request: Request, **ctx: Any) -> Response:
    session = dash.require(request, Area.USERS)
    fleet = devices(dash.readers.get(), time.time(), dash.settings)
    return dash.render("admin_devices.html", request, session, devices=fleet, **ctx)


@router.get("/devices", response_class=HTMLResponse)
def devices_list(request: Request, dash: Dash) -> Response:
    return devices_page(dash, request)


@router.post("/devices/{device}/revoke", response_class=HTMLResponse)
async def revoke(request: Request, dash: Dash, device: str) -> Response:
    """A lost or stolen device is refused from now on: its key at the hub and, where the
    hub knows the store's broker security, its broker login and certificate."""
    session = dash.require(request, Area.USERS)
    form = await dash.check_form(request, session)
    if form.get("confirm", "").strip() != device:
        return devices_page(dash, request, error=f"Type {device} to confirm the revocation.")
    try:
        said = revoke_everywhere(
            HubHome(dash.db_path.parent), device, form.get("reason", "") or "revoked by an admin"
        )
    except (FleetError, HubError) as exc:
        return devices_page(dash, request, error=str(exc))
    dash.audit(session.user.name, "dashboard.device.revoke", None, {"device": device})
    return devices_page(dash, request, done=said)


def apply_change(
    db: sqlite3.Connection, name: str, action: str, role: str
) -> tuple[str, str] | None:
    """Change one user; a new password comes back to be shown once. The last enabled
    admin can neither lose the role nor be disabled (nobody could manage users then)."""
    target = {u[0]: u for u in auth.list_users(db)}.get(name)
    if target is None:
        raise UserError(f"no user {name!r}")
    last_admin = target[1] == Role.ADMIN and not target[3] and auth.admins_left(db) <= 1
    if action == "role":
        new_role = Role(role)
        if last_admin and new_role is not Role.ADMIN:
            raise UserError("the last admin cannot lose the admin role")
        auth.set_role(db, name, new_role)
    elif action in ("disable", "enable"):
        if action == "disable" and last_admin:
            raise UserError("the last admin cannot be disabled")
        auth.set_disabled(db, name, action == "disable")
    else:
        password = generated_password()
        auth.set_password(db, name, password)
        return (name, password)
    return None
