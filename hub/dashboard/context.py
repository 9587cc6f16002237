"""The dashboard's shared state and the request guards every page uses: who is logged
in, what their role may see, CSRF on every form, and the audit of personal-data views."""

from __future__ import annotations

import ipaddress
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Protocol

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from hub.dashboard import audit, auth
from hub.dashboard.auth import Session
from hub.dashboard.roles import Area
from hub.dashboard.schema import open_writer
from hub.dashboard.settings import DashboardSettings
from hub.dashboard.throttle import LoginThrottle
from hub.storage import connect

SESSION_COOKIE: Final = "instore_session"
DEVICE_COOKIE: Final = "instore_device"  # this browser logged in before (throttle.py)
TOUCH_EVERY_S: Final = 60.0  # a session's last use is written at most this often
LOGIN_COOKIE: Final = "instore_login"  # double-submit CSRF token for the login form


class ConsentPort(Protocol):
    """What the dashboard uses of the consent registry (hub/consent/registry.py)."""

    def audit(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any] | None = None
    ) -> str: ...

    def verify(self) -> list[Any]: ...


class RequestsPort(Protocol):
    """What the dashboard uses of data-subject requests (hub/consent/subject_requests.py)."""

    def export(self, subject: str, actor: str = "shopper") -> dict[str, Any]: ...

    def erase(self, subject: str, actor: str = "shopper") -> Any: ...


class Readers:
    """One read-only connection per server thread (WAL readers never block ingest)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.db_path, readonly=True)
        return conn


class NotLoggedIn(Exception):  # noqa: N818 - control flow, turned into a redirect
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


@dataclass
class Dashboard:
    db_path: Path
    settings: DashboardSettings
    title: str = "instore hub"
    consent: ConsentPort | None = None
    requests: RequestsPort | None = None
    ingest_stats: Callable[[], tuple[int, int, float] | None] = lambda: None
    readers: Readers = field(init=False)
    throttle: LoginThrottle = field(init=False)
    templates: Environment = field(init=False)
    _writer: sqlite3.Connection = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(init=False)

    def __post_init__(self) -> None:
        self._writer = open_writer(self.db_path)
        self.readers = Readers(self.db_path)
        self.throttle = LoginThrottle()
        self._proxies = [
            ipaddress.ip_network(p, strict=False) for p in self.settings.trusted_proxies
        ]
        self.templates = Environment(
            loader=PackageLoader("hub", "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self.templates.filters["ago"] = _ago
        self.templates.filters["clock"] = _clock

    @contextmanager
    def writer(self) -> Iterator[sqlite3.Connection]:
        """The dashboard's one read-write connection, one user at a time."""
        with self._lock:
            yield self._writer

    def close(self) -> None:
        with self._lock:
            self._writer.close()

    # -- sessions ----------------------------------------------------------------------

    def session(self, request: Request) -> Session | None:
        """The logged-in session, if it has not expired or been idle too long."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        now = time.time()
        found = auth.find_session(self.readers.get(), token, now, self.settings.session_idle_s)
        every = min(TOUCH_EVERY_S, self.settings.session_idle_s / 4)
        if found is not None and now - found.last_used > every:
            with self.writer() as db:
                auth.touch_session(db, token, now)
        return found

    def client_address(self, request: Request) -> str:
        """Who is asking: the peer, or what a trusted proxy says the client was."""
        peer = request.client.host if request.client else "unknown"
        forwarded = request.headers.get("x-forwarded-for")
        if not forwarded or not self._trusted(peer):
            return peer
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if not self._trusted(hop):
                return hop
        return peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self._proxies)

    def require(self, request: Request, area: Area) -> Session:
        """The logged-in session allowed into ``area``; redirect or 403 otherwise."""
        session = self.session(request)
        if session is None:
            raise NotLoggedIn(str(request.url.path))
        if not session.user.may(area):
            raise HTTPException(
                status_code=403,
                detail=f"Your role ({session.user.role.value}) may not open {area.value} pages.",
            )
        return session

    def secure(self, request: Request) -> bool:
        mode = self.settings.secure_cookies
        return mode == "always" or (mode == "auto" and request.url.scheme == "https")

    async def check_form(self, request: Request, session: Session) -> dict[str, str]:
        """The posted form, after its CSRF token matched the session's (403 if not)."""
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if not auth.csrf_ok(session.csrf, fields.get("csrf")):
            raise HTTPException(status_code=403, detail="The form expired; reload the page.")
        return fields

    def audit(self, actor: str, action: str, subject: str | None, detail: dict[str, Any]) -> None:
        """Record a view or change; the consent package's chained log when it is wired."""
        if self.consent is not None:
            self.consent.audit(actor, action, subject, detail)
            return
        with self.writer() as db:
            audit.record(
                db, audit.AuditRow(time.time(), actor, action, subject or "", _detail_text(detail))
            )

    # -- rendering ---------------------------------------------------------------------

    def render(
        self, name: str, request: Request, session: Session | None, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        html = self.templates.get_template(name).render(
            title=self.title,
            user=session.user if session else None,
            csrf=session.csrf if session else "",
            path=request.url.path,
            Area=Area,
            settings=self.settings,
            **ctx,
        )
        return HTMLResponse(html, status_code=status)


def _detail_text(detail: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(detail.items()))


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _clock(ts: float | None) -> str:
    if ts is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def login_redirect(next_url: str) -> Response:
    return RedirectResponse(f"/login?next={next_url}", status_code=303)


def _dashboard(request: Request) -> Dashboard:
    dash: Dashboard = request.app.state.dashboard
    return dash


# A page handler's parameter: the dashboard of the app serving the request.
Dash = Annotated[Dashboard, Depends(_dashboard)]
