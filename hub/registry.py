"""The device registry: enrolment, revocation, and what heartbeats and births report.

A device is online while its last heartbeat is younger than 2.5 beats and its last
state message did not say it went away; connection state alone is not enough.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson

from hub.errors import EnrolmentError
from hub.settings import HubHome
from hub.storage import SqliteEventStore
from protocol.enrolment import BrokerAddress, DeviceIdentity
from protocol.errors import TopicError
from protocol.kinds import DeviceKind
from protocol.models import Heartbeat, State
from protocol.sealing import x25519_public_to_text
from protocol.signing import new_signing_key, private_key_to_text, public_key_to_text
from protocol.topics import check_device_id

HEARTBEAT_S: Final = 15.0
OFFLINE_AFTER_S: Final = 2.5 * HEARTBEAT_S  # 2.5 missed beats
CLOCK_SAMPLES: Final = 4  # a minute of heartbeats: a stall shorter than that blames nobody


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    device: str
    kind: str
    online: bool
    last_seen: float | None
    version: str | None
    config_version: str | None
    outbox_depth: int | None
    clock_offset_ms: float | None
    last_error: str | None
    events_stored: int
    revoked: bool


def enrol(
    db: sqlite3.Connection, store: str, device: str, kind: DeviceKind, public_key: str
) -> None:
    try:
        check_device_id(device)
    except TopicError as exc:
        raise EnrolmentError(str(exc)) from exc
    try:
        db.execute(
            "INSERT INTO devices(device, store, kind, public_key, enrolled_at) VALUES (?,?,?,?,?)",
            (device, store, kind.value, public_key, time.time()),
        )
    except sqlite3.IntegrityError as exc:
        raise EnrolmentError(f"device {device!r} is already enrolled") from exc


def enrol_device(
    home: HubHome,
    device: str,
    kind: DeviceKind,
    out: Path | None = None,
    broker: BrokerAddress | None = None,
) -> Path:
    """Enrol ``device``: the hub keeps its public key; the identity file holds the rest
    (with ``broker``, the device's own credentials, instead of the hub's broker address)."""
    settings = home.settings()
    key = new_signing_key()
    store = SqliteEventStore(home.db_path)
    try:
        enrol(store.db, settings.store, device, kind, public_key_to_text(key.public_key()))
    finally:
        store.close()
    identity = DeviceIdentity(
        store=settings.store,
        device=device,
        kind=kind,
        signing_key=private_key_to_text(key),
        hub_seal_key=x25519_public_to_text(home.seal_public_key()),
        hub_signing_keys=home.signing_public_keys(),
        broker=broker or BrokerAddress(host=settings.broker.host, port=settings.broker.port),
    )
    path = out or home.device_file(device)
    identity.write(path)
    return path


def revoke(db: sqlite3.Connection, device: str) -> bool:
    cur = db.execute(
        "UPDATE devices SET revoked_at = ? WHERE device = ? AND revoked_at IS NULL",
        (time.time(), device),
    )
    return cur.rowcount > 0


def rotate_key(db: sqlite3.Connection, device: str, public_key: str) -> bool:
    """Replace an enrolled, unrevoked device's public key."""
    cur = db.execute(
        "UPDATE devices SET public_key = ? WHERE device = ? AND revoked_at IS NULL",
        (public_key, device),
    )
    return cur.rowcount > 0


def record_heartbeat(db: sqlite3.Connection, device: str, hb: Heartbeat, now: float) -> None:
    """A heartbeat that arrived at ``now``. The device's clock offset is the smallest of its
    last few (arrival minus send time): a delay on the way (a busy broker, a stalled hub)
    only ever adds to a sample, so the smallest is the least delayed."""
    sample = (now - hb.ts.timestamp()) * 1000 + hb.clock_offset_ms
    row = db.execute("SELECT clock_samples FROM devices WHERE device = ?", (device,)).fetchone()
    samples = [*orjson.loads(row[0] if row and row[0] else "[]"), sample][-CLOCK_SAMPLES:]
    db.execute(
        "UPDATE devices SET last_seen = ?, state_online = 1, version = ?, config_version = ?, "
        "uptime_s = ?, outbox_depth = ?, clock_offset_ms = ?, clock_samples = ?, "
        "last_error = ?, counters = ? WHERE device = ?",
        (
            now,
            hb.version,
            hb.config_version,
            hb.uptime_s,
            hb.outbox_depth,
            min(samples),
            orjson.dumps(samples).decode(),
            hb.last_error,
            orjson.dumps(hb.counters).decode(),
            device,
        ),
    )


def record_state(db: sqlite3.Connection, device: str, state: State, now: float) -> None:
    if state.online:
        db.execute(
            "UPDATE devices SET state_online = 1, last_seen = ?, version = ?, "
            "config_version = ?, stream = ? WHERE device = ?",
            (now, state.version, state.config_version, state.stream, device),
        )
    else:
        db.execute("UPDATE devices SET state_online = 0 WHERE device = ?", (device,))


def statuses(db: sqlite3.Connection, now: float) -> list[DeviceStatus]:
    rows = db.execute(
        "SELECT device, kind, state_online, last_seen, version, config_version, outbox_depth, "
        "clock_offset_ms, last_error, events_stored, revoked_at FROM devices ORDER BY device"
    ).fetchall()
    return [
        DeviceStatus(
            device=r[0],
            kind=r[1],
            online=bool(r[2]) and r[3] is not None and now - r[3] < OFFLINE_AFTER_S,
            last_seen=r[3],
            version=r[4],
            config_version=r[5],
            outbox_depth=r[6],
            clock_offset_ms=r[7],
            last_error=r[8],
            events_stored=r[9],
            revoked=r[10] is not None,
        )
        for r in rows
    ]
