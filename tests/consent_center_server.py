"""The phone consent center served over real HTTPS (uvicorn, a self-signed certificate),
for the tests that talk to it with httpx or drive it with Chromium."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from edge.recs.catalog_recs import CatalogRecommender
from hub.broker import free_port, wait_for_port
from hub.consent.center import consent_router
from hub.consent.system import ConsentSystem
from hub.consent.tls import self_signed
from hub.settings import HubHome, HubSettings
from hub.storage import SqliteEventStore


@contextlib.contextmanager
def serve_consent_center(
    root: Path, suggest: CatalogRecommender | None = None
) -> Iterator[tuple[str, ConsentSystem, Path]]:
    """A hub data directory under ``root`` and its consent center on a free port (with a
    "For you" page given ``suggest``): yields the base URL, the consent system and the
    certificate to trust."""
    home = HubHome(root / "hub")
    home.init(HubSettings(store="demo"))
    SqliteEventStore(home.db_path).close()
    system = ConsentSystem(home)
    app = FastAPI()
    app.include_router(consent_router(system, suggest=suggest))
    cert, key = self_signed(home, ["127.0.0.1"])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert wait_for_port("127.0.0.1", port, 15)
        yield f"https://127.0.0.1:{port}", system, Path(cert)
    finally:
        server.should_exit = True
        thread.join(10)
        system.close()
