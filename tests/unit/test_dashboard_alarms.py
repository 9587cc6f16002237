"""Alarm conditions (pure) and their life in the alarms table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.dashboard import alarms
from hub.dashboard.alarms import AlarmJob, AlarmKind, CounterRise, Signals, conditions
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
    quiet = Signals(dead_letters={"no consent": 40}, hub_refusals={"kiosk-1": 0})
    assert conditions([_device()], [BeaconView("b", "gw", 90.0, 1.0)], quiet, S) == {}


def test_each_condition_raises_its_alarm() -> None:
    fleet = [
        _device("kiosk-1", online=False, seen_ago_s=60.0),
        _device("kiosk-2", outbox_depth=S.outbox_filling),
        _device("kiosk-3", clock_offset_ms=-2500.0),
        _device("kiosk-4", last_seen=None, online=False),  # never seen: not an outage
    ]
    signals = Signals(
        dead_letters={"bad json": S.dead_letters_rising, "bad signature": 3, "oversize": 3},
        hub_refusals={"kiosk-2": 1},
    )
    found = conditions(fleet, [BeaconView("b-1", "gw", 12.0, 1.0)], signals, S)
    assert set(found) == {
        (AlarmKind.DEVICE_OFFLINE, "kiosk-1"),
        (AlarmKind.OUTBOX_FILLING, "kiosk-2"),
        (AlarmKind.CLOCK_OFFSET, "kiosk-3"),
        (AlarmKind.LOW_BATTERY, "b-1"),
        (AlarmKind.DEAD_LETTERS_RISING, "hub"),
        (AlarmKind.SUSPICIOUS_MESSAGES, "hub"),
        (AlarmKind.FORGED_HUB_MESSAGES, "kiosk-2"),
    }
    assert "-2.5 s" in found[(AlarmKind.CLOCK_OFFSET, "kiosk-3")]
    assert "3 bad signature, 3 oversize" in found[(AlarmKind.SUSPICIOUS_MESSAGES, "hub")]


def test_one_forged_batch_is_worth_an_alarm_and_expected_refusals_are_not() -> None:
    one = Signals(dead_letters={"bad signature": 1})
    assert set(conditions([_device()], [], one, S)) == {(AlarmKind.SUSPICIOUS_MESSAGES, "hub")}
    many = Signals(dead_letters={"no consent": 10 * S.dead_letters_rising})
    assert conditions([_device()], [], many, S) == {}


def test_a_counter_rise_counts_within_the_window_and_survives_a_restart() -> None:
    rise = CounterRise(window_s=300.0)
    assert rise.observe(0.0, {"gw-1": 100}) == {"gw-1": 0}
    assert rise.observe(100.0, {"gw-1": 130}) == {"gw-1": 30}
    assert rise.observe(350.0, {"gw-1": 140}) == {"gw-1": 10}  # since t=100 only
    assert rise.observe(360.0, {"gw-1": 2}) == {"gw-1": 0}  # the device restarted


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
