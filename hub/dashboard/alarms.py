"""Alarms: which conditions hold now (a pure core), and the job that keeps the
``alarms`` table in step with them.

A condition that starts raises an alarm; one that ends clears it. Staff acknowledge an
alarm (they are on it) or clear it by hand; a condition that still holds after a manual
clear is raised again on the next pass, so nothing is silenced by accident.
"""

from __future__ import annotations

import enum
import sqlite3
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from hub.dashboard.fleet_view import BeaconView, DeviceView, beacons, devices
from hub.dashboard.settings import DashboardSettings


class AlarmKind(enum.StrEnum):
    DEVICE_OFFLINE = "device offline"
    LOW_BATTERY = "low battery"
    OUTBOX_FILLING = "outbox filling"
    DEAD_LETTERS_RISING = "dead letters rising"
    CLOCK_OFFSET = "clock offset"


AlarmKey = tuple[AlarmKind, str]  # (kind, subject: a device, a beacon or "hub")


@dataclass(frozen=True, slots=True)
class AlarmRow:
    n: int
    raised: float
    kind: str
    subject: str
    detail: str
    acknowledged: float | None
    cleared: float | None


def conditions(
    fleet: Iterable[DeviceView],
    beacon_list: Iterable[BeaconView],
    dead_letters_in_window: int,
    settings: DashboardSettings,
) -> dict[AlarmKey, str]:
    """Every alarm condition that holds, with a one-line detail for staff."""
    found: dict[AlarmKey, str] = {}
    for d in fleet:
        if d.revoked or d.last_seen is None:
            continue  # never connected yet: enrolment in progress, not an outage
        if not d.online:
            found[(AlarmKind.DEVICE_OFFLINE, d.device)] = (
                f"no heartbeat for {d.seen_ago_s or 0:.0f} s"
                f" (offline after {settings.offline_after_s:g} s)"
            )
            continue
        if d.outbox_depth is not None and d.outbox_depth >= settings.outbox_filling:
            found[(AlarmKind.OUTBOX_FILLING, d.device)] = (
                f"{d.outbox_depth} events waiting (alarm at {settings.outbox_filling})"
            )
        if d.clock_offset_ms is not None and abs(d.clock_offset_ms) > settings.clock_offset_ms:
            found[(AlarmKind.CLOCK_OFFSET, d.device)] = (
                f"clock off by {d.clock_offset_ms / 1000:+.1f} s"
                f" (alarm above {settings.clock_offset_ms / 1000:.0f} s)"
            )
    for b in beacon_list:
        if b.battery_pct is not None and b.battery_pct < settings.low_battery_pct:
            found[(AlarmKind.LOW_BATTERY, b.beacon)] = (
                f"battery {b.battery_pct:.0f} % (seen by {b.gateway})"
            )
    if dead_letters_in_window >= settings.dead_letters_rising:
        found[(AlarmKind.DEAD_LETTERS_RISING, "hub")] = (
            f"{dead_letters_in_window} dead letters in the last"
            f" {settings.dead_letters_window_s:.0f} s"
        )
    return found


class DeadLetterRate:
    """New dead letters since the oldest sample still inside the window (samples of the
    highest dead-letter row number, one per job pass)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def observe(self, now: float, highest: int) -> int:
        self._samples.append((now, highest))
        while len(self._samples) > 1 and now - self._samples[0][0] > self.window_s:
            self._samples.popleft()
        return highest - self._samples[0][1]


def sync(db: sqlite3.Connection, wanted: dict[AlarmKey, str], now: float) -> tuple[int, int]:
    """Raise the wanted alarms that are not open, clear the open ones no longer wanted.

    Returns (raised, cleared). One short transaction.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        open_rows = db.execute(
            "SELECT n, kind, subject FROM alarms WHERE cleared IS NULL"
        ).fetchall()
        open_keys = {(r[1], r[2]): r[0] for r in open_rows}
        raised = 0
        for (kind, subject), detail in wanted.items():
            if (kind.value, subject) in open_keys:
                db.execute(
                    "UPDATE alarms SET detail = ? WHERE n = ?",
                    (detail, open_keys[(kind.value, subject)]),
                )
            else:
                db.execute(
                    "INSERT INTO alarms(raised, kind, subject, detail) VALUES (?,?,?,?)",
                    (now, kind.value, subject, detail),
                )
                raised += 1
        wanted_keys = {(k.value, s) for k, s in wanted}
        gone = [n for key, n in open_keys.items() if key not in wanted_keys]
        db.executemany("UPDATE alarms SET cleared = ? WHERE n = ?", [(now, n) for n in gone])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return raised, len(gone)


class AlarmJob:
    """One pass every ``settings.job_interval_s``, on the dashboard's writer connection."""

    def __init__(self, settings: DashboardSettings) -> None:
        self.settings = settings
        self.rate = DeadLetterRate(settings.dead_letters_window_s)

    def run_once(self, db: sqlite3.Connection, now: float) -> tuple[int, int]:
        highest = db.execute("SELECT COALESCE(MAX(n), 0) FROM dead_letters").fetchone()[0]
        wanted = conditions(
            devices(db, now, self.settings),
            beacons(db),
            self.rate.observe(now, int(highest)),
            self.settings,
        )
        return sync(db, wanted, now)


def open_alarms(db: sqlite3.Connection) -> list[AlarmRow]:
    rows = db.execute(
        "SELECT n, raised, kind, subject, detail, acknowledged, cleared FROM alarms "
        "WHERE cleared IS NULL ORDER BY raised DESC"
    ).fetchall()
    return [AlarmRow(*r) for r in rows]


def recent_cleared(db: sqlite3.Connection, limit: int = 50) -> list[AlarmRow]:
    rows = db.execute(
        "SELECT n, raised, kind, subject, detail, acknowledged, cleared FROM alarms "
        "WHERE cleared IS NOT NULL ORDER BY n DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [AlarmRow(*r) for r in rows]


def acknowledge(db: sqlite3.Connection, n: int, now: float) -> bool:
    cur = db.execute(
        "UPDATE alarms SET acknowledged = ? WHERE n = ? AND acknowledged IS NULL "
        "AND cleared IS NULL",
        (now, n),
    )
    return cur.rowcount > 0


def clear(db: sqlite3.Connection, n: int, now: float) -> bool:
    cur = db.execute("UPDATE alarms SET cleared = ? WHERE n = ? AND cleared IS NULL", (now, n))
    return cur.rowcount > 0
