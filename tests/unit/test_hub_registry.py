"""What heartbeats tell the hub about a device: its clock offset, measured so that a
delay on the way (a busy broker, a stalled hub) blames no device's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hub import registry
from hub.storage import SqliteEventStore
from protocol.kinds import DeviceKind
from protocol.models import Heartbeat

T0 = 1_800_000_000.0


def beat(sent: float) -> Heartbeat:
    return Heartbeat(
        ts=datetime.fromtimestamp(sent, UTC), uptime_s=1, outbox_depth=0, outbox_bytes=0,
        version="1",
    )  # fmt: skip


def offset(db_path: Path) -> float:
    store = SqliteEventStore(db_path)
    try:
        [status] = registry.statuses(store.db, T0)
    finally:
        store.close()
    assert status.clock_offset_ms is not None
    return status.clock_offset_ms


def test_a_stalled_hub_does_not_move_a_devices_clock(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    store = SqliteEventStore(db)
    registry.enrol(store.db, "s", "kiosk-1", DeviceKind.KIOSK, "key")
    # Heartbeats every 15 s that took 4-6 ms to arrive, then one the hub read 12 s late.
    for i, delay in enumerate((0.005, 0.004, 0.006)):
        registry.record_heartbeat(store.db, "kiosk-1", beat(T0 + 15 * i), T0 + 15 * i + delay)
    registry.record_heartbeat(store.db, "kiosk-1", beat(T0 + 45), T0 + 45 + 12.0)
    store.close()
    assert abs(offset(db) - 4.0) < 0.5  # ms: the least delayed sample


def test_a_clock_that_is_really_off_shows_as_off(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    store = SqliteEventStore(db)
    registry.enrol(store.db, "s", "kiosk-1", DeviceKind.KIOSK, "key")
    for i in range(6):  # the device's clock runs 3 s behind the hub's
        sent = T0 + 15 * i - 3.0
        registry.record_heartbeat(store.db, "kiosk-1", beat(sent), T0 + 15 * i + 0.005)
    store.close()
    assert abs(offset(db) - 3005.0) < 1.0
