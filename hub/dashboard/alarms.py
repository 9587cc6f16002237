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
from dataclasses import dataclass, field
from typing import Final

from hub.dashboard.fleet_view import BeaconView, DeviceView, beacons, devices
from hub.dashboard.settings import DashboardSettings

HUB_REFUSED: Final = "hub_refused_"  # a device's heartbeat counters of refused hub messages


class AlarmKind(enum.StrEnum):
    DEVICE_OFFLINE = "device offline"
    LOW_BATTERY = "low battery"
    OUTBOX_FILLING = "outbox filling"
    DEAD_LETTERS_RISING = "dead letters rising"
    SUSPICIOUS_MESSAGES = "suspicious messages"
    FORGED_HUB_MESSAGES = "forged hub messages"
    CLOCK_OFFSET = "clock offset"


# Dead letters no working device sends: each one is worth a look (a forged or replayed
# batch, a revoked or unknown device, a flood). The others (a consent withdrawn while
# events were on their way, a version skew) alarm only when they pile up.
SUSPICIOUS: Final = frozenset(
    {
        "bad signature",
        "unknown device",
        "not enrolled or revoked",
        "store or device differs from the topic",
        "bad topic",
        "oversize",
        "conflict",
    }
)
EXPECTED: Final = frozenset({"no consent"})  # withdrawals race with events in flight


@dataclass(frozen=True, slots=True)
class Signals:
    """What the alarm conditions read besides the fleet: in the last window, dead
    letters by reason, and how many hub messages each device refused."""

    dead_letters: dict[str, int] = field(default_factory=dict)
    hub_refusals: dict[str, int] = field(default_factory=dict)


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
    signals: Signals,
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
    window = f"in the last {settings.dead_letters_window_s / 60:.0f} min"
    suspicious = {r: n for r, n in signals.dead_letters.items() if r in SUSPICIOUS and n}
    if suspicious:
        listed = ", ".join(f"{n} {reason}" for reason, n in sorted(suspicious.items()))
        found[(AlarmKind.SUSPICIOUS_MESSAGES, "hub")] = f"{listed} {window}"
    ordinary = sum(n for r, n in signals.dead_letters.items() if r not in SUSPICIOUS | EXPECTED)
    if ordinary >= settings.dead_letters_rising:
        found[(AlarmKind.DEAD_LETTERS_RISING, "hub")] = f"{ordinary} dead letters {window}"
    for device, n in signals.hub_refusals.items():
        if n:
            found[(AlarmKind.FORGED_HUB_MESSAGES, device)] = (
                f"refused {n} message(s) as the hub's {window}: forged, replayed or stale, "
                "or the device needs its hub keys (instore-hub device refresh)"
            )
    return found


class CounterRise:
    """How much a cumulative count rose within the window (one sample per job pass); a
    count that fell (a device restarted) starts again from its new value."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._samples: dict[str, deque[tuple[float, int]]] = {}

    def observe(self, now: float, counts: dict[str, int]) -> dict[str, int]:
        rises = {}
        for key, value in counts.items():
            samples = self._samples.setdefault(key, deque())
            if samples and value < samples[-1][1]:
                samples.clear()
            samples.append((now, value))
            while len(samples) > 1 and now - samples[0][0] > self.window_s:
                samples.popleft()
            rises[key] = value - samples[0][1]
        return rises


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
        self.refusals = CounterRise(settings.dead_letters_window_s)

    def run_once(self, db: sqlite3.Connection, now: float) -> tuple[int, int]:
        since = now - self.settings.dead_letters_window_s
        dead = dict(
            db.execute(
                "SELECT reason, COUNT(*) FROM dead_letters WHERE received > ? GROUP BY reason",
                (since,),
            ).fetchall()
        )
        fleet = devices(db, now, self.settings)
        refused = {
            d.device: sum(n for k, n in d.counters.items() if k.startswith(HUB_REFUSED))
            for d in fleet
        }
        signals = Signals(dead_letters=dead, hub_refusals=self.refusals.observe(now, refused))
        wanted = conditions(fleet, beacons(db), signals, self.settings)
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
