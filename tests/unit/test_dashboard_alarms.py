"""Alarm conditions (pure) and their life in the alarms table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.dashboard import alarms
from hub.dashboard.alarms import AlarmJob, AlarmKind, DeadLetterRate, conditions
from hub.dashboard.fleet_view import BeaconView, DeviceView
from hub.dashboard.schema import open_writer
from hub.dashboard.settings import DashboardSettings

S = DashboardSettings()


def _device(name: str = "kiosk-1", **kw: object) -> DeviceView:
    base: dict[str, object] = {
        "device": name,
        "kind": "kiosk",
        "online": True,
        "revoked": False,
        "last_seen": 100.0,
        "seen_ago_s": 5.0,
        "version": "1",
        "config_version": None,
        "outbox_depth": 0,
        "clock_offset_ms": 10.0,
        "last_error": None,
        "events_stored": 0,
        "counters": {},
    }
    return DeviceView(**(base | kw))  # type: ignore[arg-type]


def test_a_healthy_fleet_raises_nothing() -> None:
    assert conditions([_device()], [BeaconView("b", "gw", 90.0, 1.0)], 0, S) == {}


def test_each_condition_raises_its_alarm() -> None:
    fleet = [
        _device("kiosk-1", online=False, seen_ago_s=60.0),
        _device("kiosk-2", outbox_depth=S.outbox_filling),
        _device("kiosk-3", clock_offset_ms=-2500.0),
        _device("kiosk-4", last_seen=None, online=False),  # never seen: not an outage
    ]
    found = conditions(fleet, [BeaconView("b-1", "gw", 12.0, 1.0)], S.dead_letters_rising, S)
    assert set(found) == {
        (AlarmKind.DEVICE_OFFLINE, "kiosk-1"),
        (AlarmKind.OUTBOX_FILLING, "kiosk-2"),
        (AlarmKind.CLOCK_OFFSET, "kiosk-3"),
        (AlarmKind.LOW_BATTERY, "b-1"),
        (AlarmKind.DEAD_LETTERS_RISING, "hub"),
    }
    assert "-2.5 s" in found[(AlarmKind.CLOCK_OFFSET, "kiosk-3")]


def test_dead_letter_rate_counts_within_the_window() -> None:
    rate = DeadLetterRate(window_s=300.0)
    assert rate.observe(0.0, 100) == 0
    assert rate.observe(100.0, 130) == 30
    assert rate.observe(350.0, 140) == 10  # only since the sample at t=100 is in the window


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = open_writer(tmp_path / "hub.db")
    conn.execute(
        "INSERT INTO devices(device, store, kind, public_key, enrolled_at, state_online, "
        "last_seen) VALUES ('kiosk-1', 's', 'kiosk', 'k', 0, 1, 1000)"
    )
    yield conn
    conn.close()


def test_offline_alarm_is_raised_once_and_cleared_when_the_device_returns(
    db: sqlite3.Connection,
) -> None:
    settings = DashboardSettings(heartbeat_s=1.0, offline_after_beats=2.0)
    job = AlarmJob(settings)
    assert job.run_once(db, 1001.0) == (0, 0)
    assert job.run_once(db, 1003.0) == (1, 0)
    assert job.run_once(db, 1004.0) == (0, 0)  # still open: not raised twice
    [alarm] = alarms.open_alarms(db)
    assert (alarm.kind, alarm.subject) == ("device offline", "kiosk-1")
    db.execute("UPDATE devices SET last_seen = 1005")
    assert job.run_once(db, 1005.5) == (0, 1)
    assert alarms.open_alarms(db) == []
    assert alarms.recent_cleared(db)[0].n == alarm.n


def test_acknowledge_then_manual_clear_of_a_standing_condition_raises_it_again(
    db: sqlite3.Connection,
) -> None:
    job = AlarmJob(DashboardSettings(heartbeat_s=1.0))
    job.run_once(db, 2000.0)
    [alarm] = alarms.open_alarms(db)
    assert alarms.acknowledge(db, alarm.n, 2001.0)
    assert not alarms.acknowledge(db, alarm.n, 2002.0)
    assert alarms.clear(db, alarm.n, 2003.0)
    job.run_once(db, 2004.0)
    [again] = alarms.open_alarms(db)
    assert again.n != alarm.n
    assert again.acknowledged is None
