"""The hub's staged rollout: canary first, halt on its failure, staff see every state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from firmware_configs.config_apply import DeviceConfig, DeviceConfigStore, build_push
from firmware_configs.schemas import KioskConfig
from firmware_configs.store_bundle import load_store
from hub.fleet.errors import FleetError
from hub.fleet.rollout import StagedRollout, rollout_for_store

DEMO = Path(__file__).resolve().parents[2] / "firmware_configs" / "examples" / "demo-store"


def _stage(rollout: StagedRollout) -> str:
    return rollout.stage  # read afresh: the stage moves as acks arrive


def _rollout(n: int = 3, timeout: float = 120.0) -> StagedRollout:
    pushes = {
        f"kiosk-{i}": build_push(
            KioskConfig.model_validate(
                {"kind": "kiosk", "id": f"kiosk-{i}", "store": "demo", "zone": "dairy"}
            ),
            "v2",
        )
        for i in range(1, n + 1)
    }
    return StagedRollout(version="v2", pushes=pushes, ack_timeout_s=timeout)


def test_canary_first_then_the_rest() -> None:
    rollout = _rollout()
    assert [d for d, _ in rollout.due(0.0)] == ["kiosk-1"]
    assert rollout.due(1.0) == []  # nobody else until the canary answers
    rollout.record_ack("kiosk-1", "applied")
    assert _stage(rollout) == "fleet"
    assert [d for d, _ in rollout.due(2.0)] == ["kiosk-2", "kiosk-3"]
    rollout.record_ack("kiosk-2", "applied")
    rollout.record_ack("kiosk-3", "applied")
    assert _stage(rollout) == "done"
    summary = rollout.summary()
    assert summary["counts"] == {"applied": 3}
    assert summary["bad"] == []


@pytest.mark.parametrize("answer", ["rolled_back", "failed"])
def test_a_bad_canary_halts_the_rollout(answer: str) -> None:
    rollout = _rollout()
    rollout.due(0.0)
    rollout.record_ack("kiosk-1", answer, "camera 99 does not open")
    assert _stage(rollout) == "halted"
    assert rollout.due(5.0) == []
    summary = rollout.summary()
    assert summary["halted_because"] == f"canary kiosk-1 {answer}: camera 99 does not open"
    assert summary["counts"] == {answer: 1, "pending": 2}


def test_a_silent_canary_times_out_and_halts() -> None:
    rollout = _rollout(timeout=10.0)
    rollout.due(0.0)
    assert rollout.due(5.0) == []
    assert _stage(rollout) == "canary"
    assert rollout.due(11.0) == []
    assert _stage(rollout) == "halted"
    assert rollout.status["kiosk-1"].state == "timed_out"


def test_fleet_failures_are_shown_but_do_not_stop_the_others() -> None:
    rollout = _rollout()
    rollout.due(0.0)
    rollout.record_ack("kiosk-1", "applied")
    rollout.due(1.0)
    rollout.record_ack("kiosk-2", "failed", "invalid config")
    rollout.record_ack("kiosk-3", "applied")
    rollout.record_ack("kiosk-9", "applied")  # not in this rollout: ignored
    assert _stage(rollout) == "done"
    assert rollout.summary()["bad"] == ["kiosk-2"]
    with pytest.raises(FleetError, match="not an answer"):
        rollout.record_ack("kiosk-3", "done")


def test_rollout_needs_devices_and_a_known_canary() -> None:
    with pytest.raises(FleetError, match="at least one"):
        StagedRollout(version="v", pushes={})
    with pytest.raises(FleetError, match="canary"):
        StagedRollout(version="v", pushes=_rollout().pushes, canary="gw-9")


def test_demo_store_rollout_with_a_bad_change_keeps_every_device_on_the_old_config(
    tmp_path: Path,
) -> None:
    """The whole loop in process: hub plan -> each device's store -> acks -> plan."""
    bundle = load_store([DEMO])
    devices = {d.id: DeviceConfigStore(tmp_path / d.id, d.id) for d in bundle.mqtt_devices()}
    running: dict[str, DeviceConfig] = {}

    def activate_for(device: str) -> Callable[[DeviceConfig], None]:
        def activate(config: DeviceConfig) -> None:
            if isinstance(config, KioskConfig) and config.camera.source == 99:
                raise RuntimeError("camera 99 does not open")
            running[device] = config

        return activate

    def drive(rollout: StagedRollout) -> None:
        now = 0.0
        while sends := rollout.due(now):
            for device, push in sends:
                result = devices[device].apply(push, activate_for(device))
                rollout.record_ack(device, result.status, result.detail)
            now += 1.0

    first = rollout_for_store(bundle, canary="kiosk-1")
    drive(first)
    assert _stage(first) == "done"
    assert set(running) == set(devices)
    before = dict(running)

    broken = [
        k.model_copy(update={"camera": k.camera.model_copy(update={"source": 99})})
        for k in bundle.kiosks
    ]
    bad = StagedRollout(
        version="store-v2",
        pushes={k.id: build_push(k, "store-v2") for k in broken},
        canary="kiosk-1",
    )
    drive(bad)
    assert _stage(bad) == "halted"
    assert bad.summary()["counts"] == {"rolled_back": 1, "pending": 2}
    assert running == before
    for device, store in devices.items():
        current = store.current()
        assert current is not None
        assert current.version == "store-v1", device
