"""The phone consent center served over real HTTPS (uvicorn, a self-signed certificate),
for the tests that talk to it with httpx or drive it with Chromium."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from domain.recs.catalog_recs import CatalogRecommender
from hub.consent.center import PREFIX, phone_app
from hub.consent.system import ConsentSystem
from hub.consent.tls import self_signed
from hub.settings import HubHome, HubSettings
from hub.storage import CheckedBatch, EventRow, SqliteEventStore
from protocol.enrolment import DeviceIdentity
from protocol.purposes import Purpose
from protocol.sealing import seal, x25519_public_from_text
from simulators.net import free_port, wait_for_port


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
    app.mount(PREFIX, phone_app(system, suggest=suggest))
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


def store_personal_scans(
    system: ConsentSystem, kiosk: DeviceIdentity, subject: str, gtins: list[str]
) -> None:
    """Scans the kiosk recorded while the shopper was paired, as ingest stores them."""
    seal_key = x25519_public_from_text(kiosk.hub_seal_key)
    record = system.registry.record_id(subject, Purpose.PERSONAL_RECS)
    store = SqliteEventStore(system.home.db_path)
    batch = CheckedBatch("kiosk-1", "0" * 32)
    for seq, gtin in enumerate(gtins, start=1):
        event_id, ts = str(uuid.uuid4()), time.time() - 100 + seq
        sealed = seal(seal_key, event_id, subject, {"gtin": gtin, "known": True})
        stored = system.protector(event_id, subject, ts, sealed)
        batch.rows.append(
            EventRow(
                seq,
                event_id,
                ts,
                "scan.personal",
                "personal_recs",
                subject,
                record,
                b"h" * 16,
                stored,
            )
        )
    store.commit_group([batch])
    store.close()
