"""Subject-free rollups, advanced on the ingest's settled frontier.

Each pass reads, per stream, the stored events between the rollup's mark and the
stream's ``through_seq`` (below it no event can arrive any more), adds them to the
rollup tables and moves the mark, in one transaction: every event is counted exactly
once, whatever crashes, and ingest needs no hook (docs/decisions/0901).

- anonymous ``scan`` -> scans per product and hour; ``footfall`` -> people per zone and
  hour; ``beacon.health`` -> the latest battery per beacon; every type -> a count.
- ``zone.enter`` / ``zone.dwell`` under the ``analytics`` purpose -> per (bucket, zone)
  pending rows holding a salted tag of the shopper, never the subject. When the bucket
  closes its figure is published through :mod:`hub.dashboard.groups` (k, noise) and
  the pending rows are deleted; the day's salt is deleted when the day closes, so the
  tags can no longer be linked to anyone.
"""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hub.dashboard.groups import publish_cell
from hub.dashboard.settings import DashboardSettings
from hub.errors import HubError
from protocol.errors import SealError
from protocol.sealing import open_sealed

CHUNK: Final = 10_000  # events per stream per step: keeps each write transaction short
DAY_S: Final = 86_400
ANALYTICS: Final = "analytics"
PRESENCE_TYPES: Final = frozenset({"zone.enter", "zone.dwell"})
ANONYMOUS_ROLLED: Final = frozenset({"scan", "footfall", "beacon.health"})
_ROLLED_TYPES: Final = orjson.dumps(sorted(PRESENCE_TYPES | ANONYMOUS_ROLLED)).decode()
BATTERY_FULL_MV: Final = 3000.0  # a CR2032/CR2477 coin cell, new
BATTERY_EMPTY_MV: Final = 2000.0  # beacons brown out near 2 V

# (event id, subject, stored data bytes) -> the event's data in clear, or None.
Opener = Callable[[str, str, bytes | None], Any]


def seal_opener(key: X25519PrivateKey) -> Opener:
    """Open data stored as the edge sealed it to the hub key (the spine's default)."""

    def open_data(event_id: str, subject: str, data: bytes | None) -> Any:
        if data is None:
            return None
        try:
            stored = orjson.loads(data)
            if isinstance(stored, dict) and isinstance(stored.get("sealed"), str):
                return open_sealed(key, event_id, subject, stored["sealed"])
        except (orjson.JSONDecodeError, SealError):
            return None
        return None

    return open_data


def stored_data_opener(open_stored: Callable[[str, str, bytes | None], Any]) -> Opener:
    """Adapt the consent package's ``DataProtector.open(subject, event_id, blob)``
    (data under each shopper's key); unreadable or shredded data gives None."""

    def open_data(event_id: str, subject: str, data: bytes | None) -> Any:
        try:
            return open_stored(subject, event_id, data)
        except (HubError, ValueError):
            return None

    return open_data


@dataclass(slots=True)
class PassResult:
    events: int = 0
    presence: int = 0
    late: int = 0
    unreadable: int = 0
    over_bound: int = 0
    closed: list[int] = field(default_factory=list)


def battery_pct(data: dict[str, Any]) -> float | None:
    pct = data.get("battery_pct")
    if isinstance(pct, int | float):
        return float(max(0.0, min(100.0, pct)))
    mv = data.get("battery_mv")
    if isinstance(mv, int | float) and mv > 0:
        span = BATTERY_FULL_MV - BATTERY_EMPTY_MV
        return max(0.0, min(100.0, (mv - BATTERY_EMPTY_MV) / span * 100))
    return None


@dataclass(slots=True)
class _Batch:
    """What one stream range adds, worked out before the write transaction."""

    scans: dict[tuple[int, str], int] = field(default_factory=dict)
    footfall: dict[tuple[int, str], int] = field(default_factory=dict)
    types: dict[str, int] = field(default_factory=dict)
    beacons: dict[str, tuple[str, float | None, float]] = field(default_factory=dict)
    # (bucket, zone, day, subject, dwell): the subject only in memory, until tagged
    visits: list[tuple[int, str, int, str, float | None]] = field(default_factory=list)


class Rollups:
    """Advances the rollups; run by the dashboard jobs thread on its writer connection."""

    def __init__(self, settings: DashboardSettings, opener: Opener | None) -> None:
        self.settings = settings
        self.opener = opener
        self._salts: dict[int, bytes] = {}
        self._closed_through = -1  # every bucket up to this one is closed for good

    # -- one pass ----------------------------------------------------------------------

    def advance(self, db: sqlite3.Connection, now: float) -> PassResult:
        """Roll up what was settled since the last pass; close due buckets and days."""
        result = PassResult()
        row = db.execute("SELECT COALESCE(MAX(bucket), -1) FROM roll_closed").fetchone()
        self._closed_through = int(row[0])
        streams = db.execute(
            "SELECT s.n, s.device, s.through_seq, COALESCE(m.through, 0) FROM streams s "
            "LEFT JOIN roll_marks m ON m.stream_n = s.n "
            "WHERE s.through_seq > COALESCE(m.through, 0)"
        ).fetchall()
        for stream_n, device, through, mark in streams:
            upto = min(through, mark + CHUNK)
            # Read and decrypt outside the write lock: rows at or below the frontier do
            # not change, and ingest's commits must not wait for this job's CPU work.
            batch = self._read_range(db, stream_n, device, after=mark, upto=upto, result=result)
            db.execute("BEGIN IMMEDIATE")
            try:
                self._write_range(db, batch, result)
                db.execute(
                    "INSERT INTO roll_marks(stream_n, through) VALUES (?, ?) "
                    "ON CONFLICT(stream_n) DO UPDATE SET through = excluded.through",
                    (stream_n, upto),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self.close_due(db, now, result)
        return result

    def _read_range(
        self,
        db: sqlite3.Connection,
        stream_n: int,
        device: str,
        *,
        after: int,
        upto: int,
        result: PassResult,
    ) -> _Batch:
        span = (stream_n, after, upto)
        out = _Batch()
        # Every type is counted in SQL; only the types rolled up further come to Python.
        out.types = dict(
            db.execute(
                "SELECT type, COUNT(*) FROM events WHERE stream_n = ? AND seq > ? AND seq <= ? "
                "GROUP BY type",
                span,
            ).fetchall()
        )
        rows = db.execute(
            "SELECT id, ts, type, purpose, subject, data FROM events "
            "WHERE stream_n = ? AND seq > ? AND seq <= ? "
            "AND type IN (SELECT value FROM json_each(?))",
            (*span, _ROLLED_TYPES),
        ).fetchall()
        for event_id, ts, kind, purpose, subject, data in rows:
            hour = int(ts // 3600) * 3600
            if subject is None:
                if kind not in ANONYMOUS_ROLLED:
                    continue  # counted by type only: no need to parse its data
                body = _json(data)
                if kind == "scan" and isinstance(body.get("gtin"), str):
                    key = (hour, body["gtin"])
                    out.scans[key] = out.scans.get(key, 0) + 1
                elif kind == "footfall" and isinstance(body.get("zone"), str):
                    count = body.get("count", 1)
                    key = (hour, body["zone"])
                    add = count if isinstance(count, int) else 1
                    out.footfall[key] = out.footfall.get(key, 0) + add
                elif kind == "beacon.health" and isinstance(body.get("beacon"), str):
                    seen = out.beacons.get(body["beacon"])
                    if seen is None or ts >= seen[2]:
                        out.beacons[body["beacon"]] = (device, battery_pct(body), ts)
            elif kind in PRESENCE_TYPES and purpose == ANALYTICS:
                self._visit(out, event_id, ts, subject, data, result)
        result.events += sum(out.types.values())
        return out

    def _visit(  # noqa: PLR0917 - one event's columns
        self,
        out: _Batch,
        event_id: str,
        ts: float,
        subject: str,
        data: bytes | None,
        result: PassResult,
    ) -> None:
        bucket = int(ts // self.settings.bucket_s)
        if bucket <= self._closed_through:
            result.late += 1  # a closed figure never changes: nothing to subtract
            return
        body = self.opener(event_id, subject, data) if self.opener else None
        if not isinstance(body, dict) or not isinstance(body.get("zone"), str):
            result.unreadable += 1
            return
        dwell = body.get("dwell_s", body.get("seconds"))
        out.visits.append(
            (
                bucket,
                body["zone"],
                int(ts // DAY_S),
                subject,
                float(dwell) if isinstance(dwell, int | float) else None,
            )
        )

    def _write_range(self, db: sqlite3.Connection, batch: _Batch, result: PassResult) -> None:
        """Inside the caller's write transaction: short, SQL only."""
        for bucket, zone, day, subject, dwell in batch.visits:
            tag = hashlib.blake2b(
                subject.encode(), key=self._salt(db, day), digest_size=16
            ).digest()
            row = db.execute(
                "SELECT n FROM roll_contrib WHERE day = ? AND tag = ?", (day, tag)
            ).fetchone()
            if row is not None and row[0] >= self.settings.max_cells_per_shopper_day:
                result.over_bound += 1
                continue
            db.execute(
                "INSERT INTO roll_contrib(day, tag, n) VALUES (?, ?, 1) "
                "ON CONFLICT(day, tag) DO UPDATE SET n = n + 1",
                (day, tag),
            )
            db.execute(
                "INSERT INTO roll_pending(bucket, zone, tag, dwell_s) VALUES (?,?,?,?)",
                (bucket, zone, tag, dwell),
            )
            result.presence += 1
        db.executemany(
            "INSERT INTO roll_beacons(beacon, gateway, battery_pct, seen) "
            "VALUES (?,?,?,?) ON CONFLICT(beacon) DO UPDATE SET "
            "gateway = excluded.gateway, battery_pct = excluded.battery_pct, "
            "seen = excluded.seen WHERE excluded.seen >= roll_beacons.seen",
            [(b, g, pct, ts) for b, (g, pct, ts) in batch.beacons.items()],
        )
        db.executemany(
            "INSERT INTO roll_scans(hour, gtin, n) VALUES (?,?,?) "
            "ON CONFLICT(hour, gtin) DO UPDATE SET n = n + excluded.n",
            [(h, g, n) for (h, g), n in batch.scans.items()],
        )
        db.executemany(
            "INSERT INTO roll_footfall(hour, zone, n) VALUES (?,?,?) "
            "ON CONFLICT(hour, zone) DO UPDATE SET n = n + excluded.n",
            [(h, z, n) for (h, z), n in batch.footfall.items()],
        )
        db.executemany(
            "INSERT INTO roll_types(type, n) VALUES (?,?) "
            "ON CONFLICT(type) DO UPDATE SET n = n + excluded.n",
            list(batch.types.items()),
        )

    def _salt(self, db: sqlite3.Connection, day: int) -> bytes:
        salt = self._salts.get(day)
        if salt is None:
            row = db.execute("SELECT salt FROM roll_salts WHERE day = ?", (day,)).fetchone()
            if row is None:
                salt = os.urandom(32)
                db.execute("INSERT INTO roll_salts(day, salt) VALUES (?, ?)", (day, salt))
            else:
                salt = bytes(row[0])
            self._salts[day] = salt
        return salt

    # -- closing -----------------------------------------------------------------------

    def close_due(self, db: sqlite3.Connection, now: float, result: PassResult) -> None:
        """Publish every bucket that ended more than the grace ago; forget old salts."""
        s = self.settings
        last_due = math.floor((now - s.close_grace_s) / s.bucket_s) - 1
        due = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT bucket FROM roll_pending WHERE bucket <= ? ORDER BY bucket",
                (last_due,),
            )
        ]
        for bucket in due:
            db.execute("BEGIN IMMEDIATE")
            try:
                self._close_bucket(db, bucket)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            result.closed.append(bucket)
        if last_due > self._closed_through:
            # Every bucket up to the newest due one is closed, with data or without, so
            # a late event can neither change a figure nor make one afterwards.
            db.execute("INSERT OR IGNORE INTO roll_closed(bucket) VALUES (?)", (last_due,))
            self._closed_through = last_due
        last_day = math.floor((now - s.close_grace_s) / DAY_S) - 1
        gone = db.execute("DELETE FROM roll_salts WHERE day <= ?", (last_day,)).rowcount
        if gone:
            db.execute("DELETE FROM roll_contrib WHERE day <= ?", (last_day,))
            self._salts = {d: v for d, v in self._salts.items() if d > last_day}

    def _close_bucket(self, db: sqlite3.Connection, bucket: int) -> None:
        s = self.settings
        by_zone: dict[str, list[tuple[bytes, float | None]]] = {}
        for zone, tag, dwell in db.execute(
            "SELECT zone, tag, dwell_s FROM roll_pending WHERE bucket = ?", (bucket,)
        ):
            by_zone.setdefault(zone, []).append((bytes(tag), dwell))
        for zone, contributions in by_zone.items():
            cell = publish_cell(
                bucket,
                zone,
                contributions,
                k=s.k,
                epsilon_daily=s.epsilon_daily,
                max_cells=s.max_cells_per_shopper_day,
            )
            db.execute(
                "INSERT OR IGNORE INTO roll_presence(bucket, zone, shoppers, dwell_median_s, "
                "noisy) VALUES (?,?,?,?,?)",
                (bucket, zone, cell.shoppers, cell.dwell_median_s, int(cell.noisy)),
            )
        db.execute("DELETE FROM roll_pending WHERE bucket = ?", (bucket,))
        db.execute("INSERT OR IGNORE INTO roll_closed(bucket) VALUES (?)", (bucket,))


def _json(data: bytes | None) -> dict[str, Any]:
    if data is None:
        return {}
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}
