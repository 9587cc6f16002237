"""The dashboard's background work in the hub process: alarms and rollups, once a second.

It has its own read-write connection; SQLite serialises it with ingest's writer, and
each of its transactions is short (one stream chunk, one alarm sync).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from hub.dashboard.alarms import AlarmJob
from hub.dashboard.rollups import Opener, Rollups
from hub.dashboard.schema import open_writer
from hub.dashboard.settings import DashboardSettings
from hub.errors import HubError

log = logging.getLogger(__name__)


class DashboardJobs:
    """Runs :class:`AlarmJob` and :class:`Rollups` on a thread until stopped."""

    def __init__(self, db_path: Path, settings: DashboardSettings, opener: Opener | None) -> None:
        self.db_path = db_path
        self.settings = settings
        self.alarms = AlarmJob(settings)
        self.rollups = Rollups(settings, opener)
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, db: sqlite3.Connection, now: float) -> None:
        self.rollups.advance(db, now)
        self.alarms.run_once(db, now)
        self.passes += 1

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="dashboard-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        db = open_writer(self.db_path)
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    self.run_once(db, time.time())
                except (sqlite3.Error, HubError):
                    log.exception("dashboard jobs pass failed; trying again")
                spent = time.monotonic() - started
                self._stop.wait(max(0.0, self.settings.job_interval_s - spent))
        finally:
            db.close()
