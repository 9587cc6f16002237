"""The durable outbox: every event is committed here before it is published.

SQLite in WAL mode with ``synchronous=FULL``: what ``append`` returned survives power
loss. Events go only when the hub acknowledges them. ``stream`` and ``seq`` survive
restarts. A purge turns a shopper's events into tombstones that keep their seq, so the
stream never has a hole. The outbox is bounded: when full, new events are refused and
counted; events already accepted are never dropped.

Storage is by *segment*: one row holds the events of one group commit (newline
separated), so an append of 500 events writes one row, not 500. Personal events are
also indexed by subject in ``personal``, so a purge finds them without a scan.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

import orjson

from edge.errors import OutboxError, OutboxFullError
from protocol.ids import uuid7_texts
from protocol.purposes import PURGED
from protocol.timefmt import from_unix, rfc3339_ms

DEFAULT_LIMIT_BYTES: Final = 256 * 1024 * 1024  # a day of a busy kiosk's events, offline
_SEP: Final = b"\n"  # orjson never writes a raw newline inside a JSON document
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS segments (
    first_seq INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS personal (
    seq INTEGER PRIMARY KEY,
    segment INTEGER NOT NULL,
    subject TEXT NOT NULL,
    purpose TEXT
);
CREATE INDEX IF NOT EXISTS personal_by_subject ON personal(subject);
"""


class Draft(NamedTuple):
    """An event before the outbox gives it a seq. Personal data must already be sealed.
    (A tuple: sources make tens of thousands a second, and a frozen dataclass costs
    several times more to build.)"""

    type: str
    ts: float  # unix seconds
    data: dict[str, Any] | None = None
    subject: str | None = None
    purpose: str | None = None
    consent: str | None = None
    id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive events as stored (JSON bytes), the first with seq ``first``."""

    first: int
    events: list[bytes]

    @property
    def last(self) -> int:
        return self.first + len(self.events) - 1

    @property
    def seqs(self) -> range:
        return range(self.first, self.first + len(self.events))

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        """``(seq, event)`` pairs."""
        return zip(self.seqs, self.events, strict=True)


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
        self._ack_listeners: list[Callable[[int], None]] = []
        # Appends and purges must survive power loss: FULL.
        self._db = _connect(path, "FULL")
        # Deleting acknowledged segments need not be durable: if a delete is lost, the
        # events are sent again and the hub acknowledges the resend without storing it.
        self._ack_db = _connect(path, "NORMAL")
        try:
            self._db.executescript(_SCHEMA)
            self.stream, self._next_seq, self._acked = self._load_meta()
            row = self._db.execute(
                "SELECT COALESCE(MIN(first_seq), 0), COALESCE(SUM(length(body)), 0) FROM segments"
            ).fetchone()
        except sqlite3.Error as exc:
            raise OutboxError(f"cannot read outbox {path}: {exc}") from exc
        first, self._bytes = row
        self._acked = max(self._acked, first - 1)

    def _load_meta(self) -> tuple[str, int, int]:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if "stream" not in meta:
            stream = secrets.token_hex(16)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [("stream", stream), ("next", "1"), ("acked", "0")],
            )
            self._db.execute("COMMIT")
            return stream, 1, 0
        return meta["stream"], int(meta["next"]), int(meta.get("acked", "0"))

    def note(self, key: str, value: str) -> None:
        """Keep a small value across restarts (the agent's, beside its events)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f"note.{key}", value),
            )

    def noted(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM meta WHERE key = ?", (f"note.{key}",)
            ).fetchone()
        return None if row is None else str(row[0])

    def on_acknowledge(self, listener: Callable[[int], None]) -> None:
        """Call ``listener(through_seq)`` (from the acknowledging thread) after every
        delete of acknowledged events."""
        self._ack_listeners.append(listener)

    def on_append(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from the appending thread) after every commit."""
        self._listeners.append(listener)

    @property
    def depth(self) -> int:
        """Events accepted and not yet acknowledged."""
        return self._next_seq - 1 - self._acked

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
            first = seq = self._next_seq
            bodies: list[bytes] = []
            personal: list[tuple[int, int, str, str | None]] = []
            accepted: list[Accepted] = []
            ids = iter(uuid7_texts(int(drafts[0].ts * 1000), len(drafts)))
            last_ts, ts_text = -1.0, ""
            for draft in drafts:
                # A fresh id per event; a group shares the first draft's millisecond.
                eid = str(draft.id) if draft.id else next(ids)
                if draft.ts != last_ts:  # a group shares its time: format it once
                    last_ts, ts_text = draft.ts, rfc3339_ms(from_unix(draft.ts))
                bodies.append(
                    orjson.dumps(
                        {
                            "id": eid,
                            "seq": seq,
                            "ts": ts_text,
                            "type": draft.type,
                            "purpose": draft.purpose,
                            "subject": draft.subject,
                            "consent": draft.consent,
                            "data": draft.data,
                        }
                    )
                )
                if draft.subject is not None:
                    personal.append((seq, first, draft.subject, draft.purpose))
                accepted.append(Accepted(eid, seq))
                seq += 1
            body = _SEP.join(bodies)
            if self._bytes + len(body) > self.limit_bytes:
                self.refused += len(drafts)
                raise OutboxFullError(self.limit_bytes)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT INTO segments(first_seq, last_seq, body) VALUES (?, ?, ?)",
                    (first, seq - 1, body),
                )
                if personal:
                    self._db.executemany(
                        "INSERT INTO personal(seq, segment, subject, purpose) VALUES (?,?,?,?)",
                        personal,
                    )
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'next'", (str(seq),))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(self._db)
                raise OutboxError(f"cannot commit to outbox: {exc}") from exc
            self._next_seq = seq
            self._bytes += len(body)
        for listener in self._listeners:
            listener()
        return accepted

    @staticmethod
    def _rollback(db: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.Error):  # nothing was begun
            db.execute("ROLLBACK")

    def read(self, after_seq: int, max_events: int, max_bytes: int) -> Run:
        """Events with seq > ``after_seq`` in order: at most ``max_events`` and at most
        ``max_bytes`` together (always at least one event if any is waiting)."""
        after = max(after_seq, self._acked)
        events: list[bytes] = []
        start = after + 1
        room = max_bytes
        try:
            cur = self._ack_db.execute(
                "SELECT first_seq, body FROM segments WHERE last_seq > ? ORDER BY first_seq",
                (after,),
            )
            for first, body in cur:
                parts = body.split(_SEP)
                if first <= after:
                    parts = parts[after - first + 1 :]
                elif not events:
                    start = first
                sizes = list(itertools.accumulate(map(len, parts)))
                take = min(bisect.bisect_right(sizes, room), max_events - len(events))
                if not events and take == 0:
                    take = 1  # a single event larger than the limit still goes, alone
                events.extend(parts[:take])
                if take < len(parts):
                    break
                room -= sizes[-1]
            cur.close()
        except sqlite3.Error as exc:
            raise OutboxError(f"cannot read outbox: {exc}") from exc
        return Run(start, events)

    def acknowledge(self, through_seq: int) -> int:
        """Forget every event up to ``through_seq``; return how many that was."""
        with self._lock:
            through = min(through_seq, self._next_seq - 1)
            if through <= self._acked:
                return 0
            try:
                self._ack_db.execute("BEGIN IMMEDIATE")
                size = self._ack_db.execute(
                    "SELECT COALESCE(SUM(length(body)), 0) FROM segments WHERE last_seq <= ?",
                    (through,),
                ).fetchone()[0]
                self._ack_db.execute("DELETE FROM segments WHERE last_seq <= ?", (through,))
                self._ack_db.execute("DELETE FROM personal WHERE seq <= ?", (through,))
                self._ack_db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'acked'", (str(through),)
                )
                self._ack_db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(self._ack_db)
                raise OutboxError(f"cannot delete acknowledged events: {exc}") from exc
            gone = through - self._acked
            self._acked = through
            self._bytes -= size
        for listener in self._ack_listeners:
            listener(through)
        return gone

    def purge(self, subjects: Iterable[str], purposes: Iterable[str] | None = None) -> int:
        """Replace every buffered event of ``subjects`` (of ``purposes``, or all) with a
        tombstone that keeps its seq, id and time; return how many were replaced."""
        wanted = set(purposes) if purposes is not None else None
        names = sorted(set(subjects))
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                hits = [
                    (seq, segment)
                    for name in names
                    for seq, segment, purpose in self._db.execute(
                        "SELECT seq, segment, purpose FROM personal WHERE subject = ?", (name,)
                    )
                    if wanted is None or purpose in wanted
                ]
                by_segment: dict[int, list[int]] = {}
                for seq, segment in hits:
                    by_segment.setdefault(segment, []).append(seq)
                for first, seqs in by_segment.items():
                    row = self._db.execute(
                        "SELECT body FROM segments WHERE first_seq = ?", (first,)
                    ).fetchone()
                    if row is None:
                        continue
                    events = row[0].split(_SEP)
                    for seq in seqs:
                        events[seq - first] = _tombstone(events[seq - first])
                    body = _SEP.join(events)
                    self._db.execute(
                        "UPDATE segments SET body = ? WHERE first_seq = ?", (body, first)
                    )
                    self._bytes += len(body) - len(row[0])
                self._db.executemany(
                    "DELETE FROM personal WHERE seq = ?", [(seq,) for seq, _ in hits]
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(self._db)
                raise OutboxError(f"cannot purge: {exc}") from exc
        return len(hits)

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


def pending_events(path: Path) -> int:
    """Events accepted and not yet acknowledged in the outbox at ``path``, read without
    opening it for writing (for tools watching a running agent); 0 if it has none yet."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        return 0
    return int(meta.get("next", "1")) - 1 - int(meta.get("acked", "0"))
