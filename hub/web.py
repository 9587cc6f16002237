"""The hub's web app: for now a page listing devices and event counts (the full
dashboard builds on this app)."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from hub import registry
from hub.storage import connect

_TEMPLATES = Environment(
    loader=PackageLoader("hub", "templates"), autoescape=select_autoescape(["html"])
)


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


def overview(conn: sqlite3.Connection) -> dict[str, Any]:
    devices = registry.statuses(conn, time.time())
    dead = conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0]
    return {
        "devices": [dataclasses.asdict(d) for d in devices],
        "events": sum(d.events_stored for d in devices),
        "dead_letters": dead,
        "online": sum(d.online for d in devices),
    }


def create_app(db_path: Path, title: str = "instore hub") -> FastAPI:
    """The hub web app, reading ``db_path`` through read-only connections."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None)
    readers = Readers(db_path)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return _TEMPLATES.get_template("devices.html").render(
            title=title, **overview(readers.get())
        )

    @app.get("/api/devices")
    def devices() -> dict[str, Any]:
        return overview(readers.get())

    return app
