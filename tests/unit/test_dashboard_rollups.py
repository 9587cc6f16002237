"""Rollups advance on the settled frontier: each event once, closed figures frozen,
shopper tags forgotten with the day's salt."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hub.dashboard.rollups import Rollups, battery_pct, seal_opener
from hub.dashboard.schema import open_writer
from hub.dashboard.settings import DashboardSettings
from hub.storage import CheckedBatch, EventRow, SqliteEventStore
from protocol.sealing import seal
from simulators.bench.dashboard import fill_events

NOW = 1_800_000_000.0  # a fixed clock: 2027-01-15
HOUR = 3600


def _plain(event_id: str, subject: str, data: bytes | None) -> object:
    return None if data is None else orjson.loads(data)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteEventStore]:
    s = SqliteEventStore(tmp_path / "hub.db")
    yield s
    s.close()


@pytest.fixture
def db(store: SqliteEventStore) -> Iterator[sqlite3.Connection]:
    conn = open_writer(store.path)
    yield conn
    conn.close()


def _visit(seq: int, subject: str, zone: str, ts: float, dwell: float = 60.0) -> EventRow:
    data = orjson.dumps({"zone": zone, "dwell_s": dwell})
    digest = seq.to_bytes(16, "big")
    return EventRow(seq, f"id-{seq}", ts, "zone.dwell", "analytics", subject, "cr", digest, data)


def _anon(seq: int, kind: str, ts: float, **data: object) -> EventRow:
    digest = seq.to_bytes(16, "big")
    return EventRow(seq, f"id-{seq}", ts, kind, None, None, None, digest, orjson.dumps(data))


def _subject(i: int) -> str:
    return f"ps_shopper{i:012d}"


def test_every_event_is_rolled_up_once_across_passes(
    store: SqliteEventStore, db: sqlite3.Connection
) -> None:
    devices = [("kiosk-1", "kiosk"), ("gateway-1", "gateway")]
    fill_events(store, devices, 50_000, NOW, span_s=6 * HOUR)
    rollups = Rollups(DashboardSettings(), _plain)
    for _ in range(4):  # chunks of 20,000 per stream: more passes than needed
        rollups.advance(db, NOW)
    scans = db.execute("SELECT SUM(n) FROM roll_scans").fetchone()[0]
    footfall = db.execute("SELECT SUM(n) FROM roll_footfall").fetchone()[0]
    types = dict(db.execute("SELECT type, n FROM roll_types").fetchall())
    stored = dict(db.execute("SELECT type, COUNT(*) FROM events GROUP BY type").fetchall())
    assert types == stored
    assert scans == stored["scan"] == 25_000
    assert footfall == stored["footfall"]
    assert rollups.advance(db, NOW).events == 0


def test_unsettled_seqs_wait_for_the_gap_to_fill(
    store: SqliteEventStore, db: sqlite3.Connection
) -> None:
    ts = NOW - HOUR
    store.commit_group([CheckedBatch("kiosk-1", "s", rows=[_anon(2, "scan", ts, gtin="1")])])
    rollups = Rollups(DashboardSettings(), _plain)
    assert rollups.advance(db, NOW).events == 0  # seq 1 missing: 2 is above the frontier
    store.commit_group([CheckedBatch("kiosk-1", "s", rows=[_anon(1, "scan", ts, gtin="1")])])
    assert rollups.advance(db, NOW).events == 2
    assert db.execute("SELECT n FROM roll_scans").fetchone()[0] == 2


def test_small_groups_are_suppressed_and_closed_figures_never_change(
    store: SqliteEventStore, db: sqlite3.Connection
) -> None:
    settings = DashboardSettings(bucket_s=HOUR, close_grace_s=60)
    start = (NOW // HOUR - 3) * HOUR  # three hours ago: closed by NOW
    rows = [_visit(i + 1, _subject(i), "dairy", start + 10 + i) for i in range(12)]
    rows += [_visit(13 + i, _subject(i), "bakery", start + 30 + i) for i in range(4)]
    store.commit_group([CheckedBatch("gateway-1", "s", rows=rows)])
    rollups = Rollups(settings, _plain)
    result = rollups.advance(db, NOW)
    assert result.presence == 16
    cells = dict(db.execute("SELECT zone, shoppers FROM roll_presence").fetchall())
    assert cells == {"dairy": 12, "bakery": None}  # 4 shoppers: fewer than k
    # Pending tags are gone with the bucket; a late event is not added.
    assert db.execute("SELECT COUNT(*) FROM roll_pending").fetchone()[0] == 0
    late = [_visit(17, _subject(99), "dairy", start + 50)]
    store.commit_group([CheckedBatch("gateway-1", "s", rows=late)])
    assert rollups.advance(db, NOW).late == 1
    assert db.execute("SELECT shoppers FROM roll_presence WHERE zone = 'dairy'").fetchone()[0] == 12


def test_the_days_salt_and_tags_are_deleted_when_the_day_closes(
    store: SqliteEventStore, db: sqlite3.Connection
) -> None:
    settings = DashboardSettings(bucket_s=HOUR, close_grace_s=60)
    ts = NOW - 2 * HOUR
    store.commit_group([CheckedBatch("gateway-1", "s", rows=[_visit(1, _subject(1), "dairy", ts)])])
    rollups = Rollups(settings, _plain)
    rollups.advance(db, NOW)
    assert db.execute("SELECT COUNT(*) FROM roll_salts").fetchone()[0] == 1
    rollups.advance(db, NOW + 2 * 86_400)
    assert db.execute("SELECT COUNT(*) FROM roll_salts").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM roll_contrib").fetchone()[0] == 0


def test_a_shopper_counts_in_a_bounded_number_of_figures_a_day(
    store: SqliteEventStore, db: sqlite3.Connection
) -> None:
    settings = DashboardSettings(max_cells_per_shopper_day=3)
    rows = [_visit(i + 1, _subject(1), f"zone-{i}", NOW - 600 + i) for i in range(5)]
    store.commit_group([CheckedBatch("gateway-1", "s", rows=rows)])
    result = Rollups(settings, _plain).advance(db, NOW)
    assert (result.presence, result.over_bound) == (3, 2)


def test_rollup_rows_hold_no_subject(store: SqliteEventStore, db: sqlite3.Connection) -> None:
    subject = _subject(7)
    store.commit_group(
        [CheckedBatch("gateway-1", "s", rows=[_visit(1, subject, "dairy", NOW - 60)])]
    )
    Rollups(DashboardSettings(), _plain).advance(db, NOW)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'roll_%'")]
    for table in tables:
        if table.startswith("roll_pending_"):
            continue  # an index
        for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608 - our table names
            assert subject not in repr(row)


def test_personal_data_sealed_to_the_hub_opens_for_the_rollup() -> None:
    key = X25519PrivateKey.generate()
    subject = _subject(3)
    stored = orjson.dumps(seal(key.public_key(), "ev-1", subject, {"zone": "dairy"}))
    opener = seal_opener(key)
    assert opener("ev-1", subject, stored) == {"zone": "dairy"}
    assert opener("ev-2", subject, stored) is None  # sealed for another event


def test_beacon_battery_from_percent_or_millivolts() -> None:
    assert battery_pct({"battery_pct": 55}) == 55.0
    assert battery_pct({"battery_mv": 2500}) == 50.0
    assert battery_pct({"battery_mv": 3300}) == 100.0
    assert battery_pct({}) is None


def test_types_not_rolled_further_are_still_counted(
    store: SqliteEventStore, db: sqlite3.Connection
) -> None:
    ts = NOW - HOUR
    rows = [_anon(1, "scan", ts, gtin="7"), _anon(2, "bench", ts, n=1), _anon(3, "bench", ts)]
    store.commit_group([CheckedBatch("kiosk-1", "s", rows=rows)])
    assert Rollups(DashboardSettings(), _plain).advance(db, NOW).events == 3
    assert dict(db.execute("SELECT type, n FROM roll_types").fetchall()) == {"scan": 1, "bench": 2}
    assert db.execute("SELECT gtin, n FROM roll_scans").fetchall() == [("7", 1)]
