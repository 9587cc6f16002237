"""The durable outbox: every event is committed here before it is published.

SQLite in WAL mode with ``synchronous=FULL``: what ``append`` returned survives power
loss. Rows go only when the hub acknowledges them. ``stream`` and ``seq`` survive
restarts. A purge turns a shopper's rows into tombstones that keep their seq, so the
stream never has a hole. The outbox is bounded: when full, new events are refused and
counted; events already accepted are never dropped.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from edge.errors import OutboxError, OutboxFullError
from protocol.ids import uuid7
from protocol.purposes import PURGED
from protocol.timefmt import from_unix, rfc3339_ms

DEFAULT_LIMIT_BYTES: Final = 256 * 1024 * 1024  # a day of a busy kiosk's events, offline
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    subject TEXT,
    purpose TEXT,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_subject ON outbox(subject) WHERE subject IS NOT NULL;
"""


@dataclass(frozen=True, slots=True)
class Draft:
    """An event before the outbox gives it a seq. Personal data must already be sealed."""

    type: str
    ts: float  # unix seconds
    data: dict[str, Any] | None = None
    subject: str | None = None
    purpose: str | None = None
    consent: str | None = None
    id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    id: str
    seq: int


def _connect(path: Path, synchronous: str) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.execute("PRAGMA secure_delete=ON")  # purged personal data is overwritten on disk
    except sqlite3.Error as exc:
        raise OutboxError(f"cannot open outbox {path}: {exc}") from exc
    return db


class Outbox:
    """A bounded, durable, ordered queue of serialised events for one stream."""

    def __init__(self, path: Path, *, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.limit_bytes = limit_bytes
        self.refused = 0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        # Appends and purges must survive power loss: FULL.
        self._db = _connect(path, "FULL")
        # Deleting acknowledged rows need not be durable: if a delete is lost, the rows
        # are sent again and the hub acknowledges the resend without storing it twice.
        self._ack_db = _connect(path, "NORMAL")
        try:
            self._db.executescript(_SCHEMA)
            self.stream, self._next_seq = self._load_meta()
            row = self._db.execute("SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM outbox")
            self._depth, self._bytes = row.fetchone()
        except sqlite3.Error as exc:
            raise OutboxError(f"cannot read outbox {path}: {exc}") from exc

    def _load_meta(self) -> tuple[str, int]:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if "stream" not in meta:
            stream = secrets.token_hex(16)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)", [("stream", stream), ("next", "1")]
            )
            self._db.execute("COMMIT")
            return stream, 1
        return meta["stream"], int(meta["next"])

    def on_append(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from the appending thread) after every commit."""
        self._listeners.append(listener)

    @property
    def depth(self) -> int:
        return int(self._depth)

    @property
    def size_bytes(self) -> int:
        return int(self._bytes)

    @property
    def next_seq(self) -> int:
        return self._next_seq

    def append(self, drafts: Sequence[Draft]) -> list[Accepted]:
        """Commit ``drafts`` in one transaction (one fsync) and return their ids and seqs.

        Raises :class:`OutboxFullError` (and counts the refusal) if they do not fit.
        """
        if not drafts:
            return []
        with self._lock:
            seq = self._next_seq
            rows: list[tuple[int, str | None, str | None, bytes]] = []
            accepted: list[Accepted] = []
            size = 0
            for draft in drafts:
                eid = str(draft.id or uuid7(int(draft.ts * 1000)))
                body = orjson.dumps(
                    {
                        "id": eid,
                        "seq": seq,
                        "ts": rfc3339_ms(from_unix(draft.ts)),
                        "type": draft.type,
                        "purpose": draft.purpose,
                        "subject": draft.subject,
                        "consent": draft.consent,
                        "data": draft.data,
                    }
                )
                rows.append((seq, draft.subject, draft.purpose, body))
                accepted.append(Accepted(eid, seq))
                size += len(body)
                seq += 1
            if self._bytes + size > self.limit_bytes:
                self.refused += len(drafts)
                raise OutboxFullError(self.limit_bytes)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT INTO outbox(seq, subject, purpose, body) VALUES (?, ?, ?, ?)", rows
                )
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'next'", (str(seq),))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise OutboxError(f"cannot commit to outbox: {exc}") from exc
            self._next_seq = seq
            self._depth += len(rows)
            self._bytes += size
        for listener in self._listeners:
            listener()
        return accepted

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # nothing was begun
            self._db.execute("ROLLBACK")

    def read(self, after_seq: int, max_events: int, max_bytes: int) -> list[tuple[int, bytes]]:
        """Rows with seq > ``after_seq`` in order: at most ``max_events`` and about
        ``max_bytes`` (always at least one row if any is waiting)."""
        try:
            cur = self._ack_db.execute(
                "SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, max_events),
            )
            out: list[tuple[int, bytes]] = []
            total = 0
            for seq, body in cur:
                total += len(body)
                if out and total > max_bytes:
                    break
                out.append((seq, body))
            cur.close()
        except sqlite3.Error as exc:
            raise OutboxError(f"cannot read outbox: {exc}") from exc
        return out

    def acknowledge(self, through_seq: int) -> int:
        """Delete every row up to ``through_seq``; return how many went."""
        with self._lock:
            try:
                cur = self._ack_db.execute(
                    "SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM outbox WHERE seq <= ?",
                    (through_seq,),
                )
                count, size = cur.fetchone()
                if count:
                    self._ack_db.execute("DELETE FROM outbox WHERE seq <= ?", (through_seq,))
            except sqlite3.Error as exc:
                raise OutboxError(f"cannot delete acknowledged rows: {exc}") from exc
            self._depth -= count
            self._bytes -= size
        return int(count)

    def purge(self, subjects: Iterable[str], purposes: Iterable[str] | None = None) -> int:
        """Replace every buffered event of ``subjects`` (of ``purposes``, or all) with a
        tombstone that keeps its seq, id and time; return how many were replaced."""
        wanted = set(purposes) if purposes is not None else None
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                changed = 0
                for subject in set(subjects):
                    rows = self._db.execute(
                        "SELECT seq, purpose, body FROM outbox WHERE subject = ?", (subject,)
                    ).fetchall()
                    for seq, purpose, body in rows:
                        if wanted is not None and purpose not in wanted:
                            continue
                        tomb = _tombstone(body)
                        self._db.execute(
                            "UPDATE outbox SET subject = NULL, purpose = NULL, body = ? "
                            "WHERE seq = ?",
                            (tomb, seq),
                        )
                        self._bytes += len(tomb) - len(body)
                        changed += 1
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise OutboxError(f"cannot purge: {exc}") from exc
        return changed

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._ack_db.close()


def _tombstone(body: bytes) -> bytes:
    event = orjson.loads(body)
    return orjson.dumps(
        {
            "id": event["id"],
            "seq": event["seq"],
            "ts": event["ts"],
            "type": PURGED,
            "purpose": None,
            "subject": None,
            "consent": None,
            "data": None,
        }
    )
