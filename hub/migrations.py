"""The hub database's schema, as numbered migrations applied in order at start-up."""

from __future__ import annotations

import sqlite3
from typing import Final

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: the spine
    """
    CREATE TABLE devices (
        device TEXT PRIMARY KEY,
        store TEXT NOT NULL,
        kind TEXT NOT NULL,
        public_key TEXT NOT NULL,
        enrolled_at REAL NOT NULL,
        revoked_at REAL,
        state_online INTEGER NOT NULL DEFAULT 0,
        last_seen REAL,
        version TEXT,
        config_version TEXT,
        stream TEXT,
        uptime_s REAL,
        outbox_depth INTEGER,
        clock_offset_ms REAL,
        last_error TEXT,
        counters TEXT,
        events_stored INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE streams (
        n INTEGER PRIMARY KEY,
        device TEXT NOT NULL,
        stream TEXT NOT NULL,
        through_seq INTEGER NOT NULL,
        UNIQUE (device, stream)
    );
    CREATE TABLE events (
        stream_n INTEGER NOT NULL REFERENCES streams(n),
        seq INTEGER NOT NULL,
        device TEXT NOT NULL,
        id TEXT NOT NULL,
        ts REAL NOT NULL,
        type TEXT NOT NULL,
        purpose TEXT,
        subject TEXT,
        consent TEXT,
        hash BLOB NOT NULL,
        data BLOB,
        received REAL NOT NULL,
        PRIMARY KEY (stream_n, seq)
    ) WITHOUT ROWID;
    CREATE INDEX events_by_subject ON events(subject) WHERE subject IS NOT NULL;
    CREATE TABLE dead_letters (
        n INTEGER PRIMARY KEY,
        received REAL NOT NULL,
        device TEXT,
        stream TEXT,
        seq INTEGER,
        settles INTEGER NOT NULL,
        hash BLOB,
        event_id TEXT,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX dead_letters_by_key ON dead_letters(device, stream, seq) WHERE settles = 1;
    CREATE TABLE consents (
        subject TEXT NOT NULL,
        purpose TEXT NOT NULL,
        record_id TEXT NOT NULL,
        granted INTEGER NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (subject, purpose)
    ) WITHOUT ROWID;
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE alarms (
        n INTEGER PRIMARY KEY,
        raised REAL NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL,
        acknowledged REAL,
        cleared REAL
    );
    CREATE UNIQUE INDEX alarms_open ON alarms(kind, subject) WHERE cleared IS NULL;
    """,
    # 2: commands wait here until the device answers (it may never have connected yet)
    """
    CREATE TABLE commands (
        id TEXT PRIMARY KEY,
        device TEXT NOT NULL,
        body BLOB NOT NULL,
        created REAL NOT NULL,
        sent REAL,
        answered REAL,
        status TEXT,
        detail TEXT
    );
    CREATE INDEX commands_pending ON commands(device) WHERE answered IS NULL;
    """,
    # 3: a device's clock from its last few heartbeats; dead letters of the last minutes
    """
    ALTER TABLE devices ADD COLUMN clock_samples TEXT;
    CREATE INDEX dead_letters_by_time ON dead_letters(received);
    """,
)


def migrate(
    db: sqlite3.Connection, component: str = "core", migrations: tuple[str, ...] = MIGRATIONS
) -> int:
    """Apply every migration of ``component`` newer than the database; return its version.

    Each package that owns tables (core, consent, dashboard, ...) keeps its own numbered
    list, so they evolve without renumbering each other.
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_versions "
        "(component TEXT NOT NULL, version INTEGER NOT NULL)"
    )
    row = db.execute(
        "SELECT MAX(version) FROM schema_versions WHERE component = ?", (component,)
    ).fetchone()
    current = row[0] or 0
    for number, script in enumerate(migrations, start=1):
        if number <= current:
            continue
        db.execute("BEGIN IMMEDIATE")
        for statement in script.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(
            "INSERT INTO schema_versions(component, version) VALUES (?, ?)", (component, number)
        )
        db.execute("COMMIT")
        current = number
    return int(current)
