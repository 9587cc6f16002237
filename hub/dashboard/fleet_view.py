"""What the staff see of each device: online by heartbeat and last-seen, and health.

A device is online while its last heartbeat is younger than the configured number of
beats and its last state message (birth or will) did not say it went away.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import orjson

from hub.dashboard.settings import DashboardSettings


@dataclass(frozen=True, slots=True)
class DeviceView:
    device: str
    kind: str
    online: bool
    revoked: bool
    last_seen: float | None
    seen_ago_s: float | None
    version: str | None
    config_version: str | None
    outbox_depth: int | None
    clock_offset_ms: float | None
    last_error: str | None
    events_stored: int
    counters: dict[str, int]
    config_push: str | None = None  # the last config push: pending, applied, rolled back...

    @property
    def state(self) -> str:
        if self.revoked:
            return "revoked"
        if self.last_seen is None:
            return "never seen"
        return "online" if self.online else "offline"


@dataclass(frozen=True, slots=True)
class BeaconView:
    beacon: str
    gateway: str
    battery_pct: float | None
    seen: float


def devices(db: sqlite3.Connection, now: float, settings: DashboardSettings) -> list[DeviceView]:
    """Every enrolled device, in name order (reads only the small ``devices`` table)."""
    rows = db.execute(
        "SELECT device, kind, state_online, last_seen, version, config_version, outbox_depth, "
        "clock_offset_ms, last_error, events_stored, revoked_at, counters FROM devices "
        "ORDER BY device"
    ).fetchall()
    pushes = config_pushes(db)
    out = []
    for r in rows:
        last_seen = r[3]
        fresh = last_seen is not None and now - last_seen < settings.offline_after_s
        out.append(
            DeviceView(
                device=r[0],
                kind=r[1],
                online=bool(r[2]) and fresh and r[10] is None,
                revoked=r[10] is not None,
                last_seen=last_seen,
                seen_ago_s=None if last_seen is None else max(0.0, now - last_seen),
                version=r[4],
                config_version=r[5],
                outbox_depth=r[6],
                clock_offset_ms=r[7],
                last_error=r[8],
                events_stored=r[9],
                counters=_counters(r[11]),
                config_push=pushes.get(r[0]),
            )
        )
    return out


def config_pushes(db: sqlite3.Connection) -> dict[str, str]:
    """Each device's last config push as staff read it: "pending", or the device's answer
    ("applied: running v2", "rolled_back: ...; back on v1")."""
    rows = db.execute(
        "SELECT device, status, detail FROM commands "
        'WHERE CAST(body AS TEXT) LIKE \'%"action":"config"%\' ORDER BY created'
    ).fetchall()
    return {r[0]: "pending" if r[1] is None else f"{r[1].replace('_', ' ')}: {r[2]}" for r in rows}


def _counters(text: str | None) -> dict[str, int]:
    if not text:
        return {}
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): int(v) for k, v in raw.items() if isinstance(v, int | float)}


def beacons(db: sqlite3.Connection) -> list[BeaconView]:
    rows = db.execute(
        "SELECT beacon, gateway, battery_pct, seen FROM roll_beacons ORDER BY beacon"
    ).fetchall()
    return [BeaconView(*r) for r in rows]
