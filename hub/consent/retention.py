"""Retention per purpose, enforced by a job that takes ``now``.

Events of a purpose older than its retention are deleted (``secure_delete`` overwrites
them). Only settled rows go (seq at or below the stream's acknowledged frontier), so
the acknowledgement frontier never sees a hole.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from typing import Final

from hub.consent.settings import ConsentError, ConsentSettings
from protocol.purposes import Purpose

RETENTION_EVERY_S: Final = 3600.0  # hourly: the shortest retention is a day


def enforce_retention(
    db: sqlite3.Connection, settings: ConsentSettings, now: float, lock: threading.Lock
) -> dict[str, int]:
    """Delete every event past its purpose's retention at ``now``; return counts."""
    deleted: dict[str, int] = {}
    with lock:
        try:
            db.execute("BEGIN IMMEDIATE")
            for purpose in Purpose:
                cutoff = now - settings.retention_s(purpose)
                cur = db.execute(
                    "DELETE FROM events WHERE purpose = ? AND ts < ? AND seq <= "
                    "(SELECT through_seq FROM streams WHERE streams.n = events.stream_n)",
                    (str(purpose), cutoff),
                )
                deleted[str(purpose)] = cur.rowcount
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise ConsentError(f"cannot enforce retention: {exc}") from exc
    return deleted


class RetentionJob:
    """Runs :func:`enforce_retention` every hour on a daemon thread."""

    def __init__(
        self,
        run: Callable[[float], dict[str, int]],
        clock: Callable[[], float],
        every_s: float = RETENTION_EVERY_S,
    ) -> None:
        self._run = run
        self._clock = clock
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while True:
            with contextlib.suppress(ConsentError):
                self._run(self._clock())
            if self._stop.wait(self._every):
                return

    def stop(self) -> None:
        self._stop.set()
