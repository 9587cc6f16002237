"""The hub's event store: SQLite in WAL mode with ``synchronous=FULL``.

Events are inserted under the unique key ``(device, stream, seq)``. A seq is *settled*
when it is stored, dead-lettered or a tombstone; the hub acknowledges the highest seq
below which every seq is settled, and only after the commit. The :class:`EventStore`
protocol is what a PostgreSQL backend for the central tier implements later.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, NamedTuple, Protocol

from hub.errors import StorageError
from hub.migrations import migrate
from protocol.purposes import PURGED

log = logging.getLogger(__name__)

StreamKey = tuple[str, str]  # (device, stream)


class EventRow(NamedTuple):
    """One event as stored (a tuple: ingest makes tens of thousands a second)."""

    seq: int
    id: str
    ts: float  # unix seconds
    type: str
    purpose: str | None
    subject: str | None
    consent: str | None
    hash: bytes
    data: bytes | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A rejected batch or event. ``detail`` never holds personal data."""

    reason: str
    detail: str
    device: str | None = None
    stream: str | None = None
    seq: int | None = None  # set when the seq is known: then it counts as settled
    hash: bytes | None = None
    event_id: str | None = None


@dataclass(slots=True)
class CheckedBatch:
    """What ingest made of one batch: rows to store and letters to dead-letter."""

    device: str | None
    stream: str | None
    rows: list[EventRow] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GroupResult:
    acks: dict[StreamKey, int]
    stored: int
    duplicates: int
    dead_letters: dict[str, int]


class EventStore(Protocol):
    def commit_group(self, batches: Sequence[CheckedBatch]) -> GroupResult: ...

    def device_key(self, device: str) -> str | None: ...


@dataclass(slots=True)
class _Stream:
    n: int  # the stream's row in ``streams``: events refer to it by this number
    through: int
    above: set[int]


CHECKPOINT_INTERVAL_S: Final = 0.25  # ~4 MB of WAL at 60k events/s, SQLite's own threshold
WAL_KEEP_BYTES: Final = 64 * 1024 * 1024  # a reset WAL file is truncated to this
KEY_TTL_S: Final = 10.0  # a revoked device is refused within this (the target is a minute)
CONFLICT: Final = "conflict"  # the same key with different content: alarmed


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the hub's pragmas; raise :class:`StorageError` on failure."""
    try:
        if readonly:
            db = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten on disk
        db.execute("PRAGMA busy_timeout=30000")
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open hub database {path}: {exc}") from exc
    return db


class SqliteEventStore:
    """The single writer of the hub database (one ingest thread owns it)."""

    def __init__(self, path: Path, *, key_ttl_s: float = KEY_TTL_S) -> None:
        self.path = path
        self.key_ttl_s = key_ttl_s
        self._db = connect(path)
        self._lock = threading.Lock()
        try:
            migrate(self._db)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot migrate hub database {path}: {exc}") from exc
        self._streams: dict[StreamKey, _Stream] = {}
        self._keys: dict[str, tuple[str | None, float]] = {}
        self._checkpointer: WalCheckpointer | None = None

    @property
    def db(self) -> sqlite3.Connection:
        return self._db

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._db.close()

    def checkpoint_apart(self, interval_s: float = CHECKPOINT_INTERVAL_S) -> None:
        """Copy the write-ahead log into the database from a thread of its own. SQLite's
        automatic checkpoint runs inside the commit that crosses its threshold, so the
        ingest commit (and every ack behind it) would wait for the copy and its fsync."""
        if self._checkpointer is None:
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = WalCheckpointer(self.path, interval_s)
            self._checkpointer.start()

    # -- devices -----------------------------------------------------------------------

    def device_key(self, device: str) -> str | None:
        """The device's public key, or None if unknown or revoked. Cached for
        ``key_ttl_s``, so a revocation or rotation made by another process holds soon."""
        cached = self._keys.get(device)
        now = time.monotonic()
        if cached is None or now - cached[1] > self.key_ttl_s:
            row = self._db.execute(
                "SELECT public_key FROM devices WHERE device = ? AND revoked_at IS NULL", (device,)
            ).fetchone()
            cached = self._keys[device] = (row[0] if row else None, now)
        return cached[0]

    # -- the settled frontier ------------------------------------------------------------

    def _stream(self, key: StreamKey) -> _Stream:
        state = self._streams.get(key)
        if state is None:
            row = self._db.execute(
                "SELECT n, through_seq FROM streams WHERE device = ? AND stream = ?", key
            ).fetchone()
            if row is None:
                cur = self._db.execute(
                    "INSERT INTO streams(device, stream, through_seq) VALUES (?, ?, 0)", key
                )
                row = (cur.lastrowid, 0)
            n, through = row
            above = {
                r[0]
                for r in self._db.execute(
                    "SELECT seq FROM events WHERE stream_n = ? AND seq > ? "
                    "UNION SELECT seq FROM dead_letters WHERE settles = 1 AND device = ? "
                    "AND stream = ? AND seq > ?",
                    (n, through, *key, through),
                )
            }
            state = _Stream(n, through, above)
            self._streams[key] = state
        return state

    def _existing_hash(self, key: StreamKey, n: int, seq: int) -> bytes | None:
        row = self._db.execute(
            "SELECT hash FROM events WHERE stream_n = ? AND seq = ? "
            "UNION ALL SELECT hash FROM dead_letters WHERE settles = 1 AND device = ? "
            "AND stream = ? AND seq = ? LIMIT 1",
            (n, seq, *key, seq),
        ).fetchone()
        return row[0] if row else None

    # -- the group commit --------------------------------------------------------------

    def commit_group(self, batches: Sequence[CheckedBatch]) -> GroupResult:
        """Store a group of checked batches in one transaction; return the acks to send
        (for every stream touched, resends included) once this returns."""
        with self._lock:
            try:
                return self._commit_group(batches)
            except sqlite3.Error as exc:
                self._rollback()
                self._streams.clear()  # the frontier in memory may be ahead of the disk
                raise StorageError(f"cannot commit events: {exc}") from exc

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # no transaction was open
            self._db.execute("ROLLBACK")

    def _commit_group(self, batches: Sequence[CheckedBatch]) -> GroupResult:
        now = time.time()
        letters: list[tuple[object, ...]] = []
        touched: dict[StreamKey, _Stream] = {}
        per_device: dict[str, int] = {}
        stored = duplicates = 0
        reasons: dict[str, int] = {}

        def dead(letter: DeadLetter, settles: bool) -> None:
            reasons[letter.reason] = reasons.get(letter.reason, 0) + 1
            letters.append(
                (
                    now,
                    letter.device,
                    letter.stream,
                    letter.seq,
                    int(settles),
                    letter.hash,
                    letter.event_id,
                    letter.reason,
                    letter.detail,
                )
            )

        self._db.execute("BEGIN IMMEDIATE")
        for batch in batches:
            if batch.device is None or batch.stream is None:
                for letter in batch.dead:
                    dead(letter, settles=False)
                continue
            key = (batch.device, batch.stream)
            state = self._stream(key)
            touched[key] = state
            fresh = self._next_run(state, batch.rows)
            if fresh is None:
                fresh, again = self._sort_out(key, state, batch.rows, dead)
                duplicates += again
            if fresh:
                # Each batch goes in at once, so a resend later in this group finds it.
                self._db.executemany(
                    "INSERT INTO events(stream_n, device, received, seq, id, ts, type, purpose, "
                    "subject, consent, hash, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(state.n, batch.device, now, *row) for row in fresh],
                )
                stored += len(fresh)
                per_device[batch.device] = per_device.get(batch.device, 0) + len(fresh)
            for letter in batch.dead:
                settles = letter.seq is not None and not self._is_settled(state, letter.seq)
                if settles and letter.seq is not None:
                    state.above.add(letter.seq)
                dead(letter, settles)
        if letters:
            self._db.executemany(
                "INSERT INTO dead_letters(received, device, stream, seq, settles, hash, "
                "event_id, reason, detail) VALUES (?,?,?,?,?,?,?,?,?)",
                letters,
            )
            self._db.executemany(
                "INSERT INTO counters(name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                [(f"dead_letters.{r}", n) for r, n in reasons.items()],
            )
        acks: dict[StreamKey, int] = {}
        for key, state in touched.items():
            _advance(state)
            acks[key] = state.through
        self._db.executemany(
            "UPDATE streams SET through_seq = ? WHERE n = ?",
            [(state.through, state.n) for state in touched.values()],
        )
        if per_device:
            self._db.executemany(
                "UPDATE devices SET events_stored = events_stored + ? WHERE device = ?",
                [(n, d) for d, n in per_device.items()],
            )
        self._db.execute("COMMIT")
        return GroupResult(acks, stored, duplicates, reasons)

    @staticmethod
    def _next_run(state: _Stream, rows: list[EventRow]) -> list[EventRow] | None:
        """``rows`` if they are distinct consecutive seqs above everything settled in the
        stream (the common case: nothing in them can be a resend); otherwise None."""
        if not rows or state.above or rows[0].seq <= state.through:
            return None
        first = rows[0].seq
        if [row.seq for row in rows] != list(range(first, first + len(rows))):
            return None
        if first == state.through + 1:
            state.through = rows[-1].seq
        else:
            state.above.update(range(first, first + len(rows)))
        return rows

    def _sort_out(
        self,
        key: StreamKey,
        state: _Stream,
        rows: list[EventRow],
        dead: Callable[[DeadLetter, bool], None],
    ) -> tuple[list[EventRow], int]:
        """Rows to store, one by one: a settled seq is a resend (same content or a
        tombstone: counted) or a conflict (dead-lettered, never stored)."""
        fresh: list[EventRow] = []
        duplicates = 0
        pending: dict[int, bytes] = {}  # hashes of this batch's own rows
        for row in rows:
            if self._is_settled(state, row.seq):
                if self._same_or_tombstone(key, state.n, row, pending):
                    duplicates += 1
                    continue
                dead(
                    DeadLetter(
                        CONFLICT,
                        "same (device, stream, seq) with different content",
                        key[0],
                        key[1],
                        row.seq,
                        row.hash,
                        row.id,
                    ),
                    False,
                )
                continue
            state.above.add(row.seq)
            pending[row.seq] = row.hash
            fresh.append(row)
        return fresh, duplicates

    @staticmethod
    def _is_settled(state: _Stream, seq: int) -> bool:
        return seq <= state.through or seq in state.above

    def _same_or_tombstone(
        self, key: StreamKey, n: int, row: EventRow, pending: dict[int, bytes]
    ) -> bool:
        """A resend of a settled seq: the same content, or a tombstone the edge made
        after the hub had the event (the hub already handled that withdrawal)."""
        if row.type == PURGED:
            return True
        existing = pending.get(row.seq) or self._existing_hash(key, n, row.seq)
        return existing == row.hash


class WalCheckpointer:
    """A thread that checkpoints the hub database (PASSIVE: it never blocks a writer)."""

    def __init__(self, path: Path, interval_s: float) -> None:
        self._db = connect(path)
        self._db.execute(f"PRAGMA journal_size_limit={WAL_KEEP_BYTES}")
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._db.close()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # the next pass copies what this one did not
                log.warning("WAL checkpoint failed, retrying in %.2f s: %s", self._interval_s, exc)


def _advance(state: _Stream) -> None:
    while state.through + 1 in state.above:
        state.through += 1
        state.above.discard(state.through)
