"""The dashboard's own tables, migrated as component ``dashboard``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

from hub.errors import StorageError
from hub.migrations import migrate
from hub.storage import connect

COMPONENT: Final = "dashboard"

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: users, sessions, audit, rollups
    """
    CREATE TABLE dash_users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        hash TEXT NOT NULL,
        created REAL NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE dash_sessions (
        token_hash BLOB PRIMARY KEY,
        user TEXT NOT NULL REFERENCES dash_users(name) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created REAL NOT NULL,
        expires REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE dash_audit (
        n INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE TABLE dash_retention (category TEXT PRIMARY KEY, days INTEGER NOT NULL);
    CREATE TABLE roll_marks (stream_n INTEGER PRIMARY KEY, through INTEGER NOT NULL);
    CREATE TABLE roll_scans (
        hour INTEGER NOT NULL, gtin TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (hour, gtin)
    ) WITHOUT ROWID;
    CREATE TABLE roll_footfall (
        hour INTEGER NOT NULL, zone TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (hour, zone)
    ) WITHOUT ROWID;
    CREATE TABLE roll_types (type TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE roll_beacons (
        beacon TEXT PRIMARY KEY, gateway TEXT NOT NULL, battery_pct REAL, seen REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE roll_salts (day INTEGER PRIMARY KEY, salt BLOB NOT NULL);
    CREATE TABLE roll_contrib (
        day INTEGER NOT NULL, tag BLOB NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, tag)
    ) WITHOUT ROWID;
    CREATE TABLE roll_pending (
        bucket INTEGER NOT NULL, zone TEXT NOT NULL, tag BLOB NOT NULL, dwell_s REAL
    );
    CREATE INDEX roll_pending_by_bucket ON roll_pending(bucket);
    CREATE TABLE roll_presence (
        bucket INTEGER NOT NULL,
        zone TEXT NOT NULL,
        shoppers INTEGER,
        dwell_median_s REAL,
        noisy INTEGER NOT NULL,
        PRIMARY KEY (bucket, zone)
    ) WITHOUT ROWID;
    CREATE TABLE roll_closed (bucket INTEGER PRIMARY KEY);
    """,
    # 2: sessions end when idle; browsers that logged in before are known by a cookie
    """
    ALTER TABLE dash_sessions ADD COLUMN last_used REAL;
    CREATE TABLE dash_devices (
        token_hash BLOB PRIMARY KEY,
        user TEXT NOT NULL REFERENCES dash_users(name) ON DELETE CASCADE,
        created REAL NOT NULL
    ) WITHOUT ROWID;
    """,
)


def open_writer(db_path: Path) -> sqlite3.Connection:
    """A read-write connection with the core and dashboard tables migrated."""
    db = connect(db_path)
    try:
        migrate(db)
        migrate(db, component=COMPONENT, migrations=MIGRATIONS)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot migrate dashboard tables in {db_path}: {exc}") from exc
    return db
