"""A device applies a pushed config atomically and rolls back when it cannot run it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from firmware_configs.config_apply import (
    CURRENT,
    PREVIOUS,
    DeviceConfig,
    DeviceConfigStore,
    build_push,
    config_digest,
)
from firmware_configs.schemas import KioskConfig
from protocol.models import ConfigPush

KIOSK = KioskConfig.model_validate(
    {"kind": "kiosk", "id": "kiosk-1", "store": "demo", "zone": "entrance"}
)


class Device:
    """What the agent would do with a config: remember what runs, refuse camera 99."""

    def __init__(self) -> None:
        self.running: list[DeviceConfig] = []

    def activate(self, config: DeviceConfig) -> None:
        if isinstance(config, KioskConfig) and config.camera.source == 99:
            raise RuntimeError("camera 99 does not open")
        self.running.append(config)


def _push(**camera: object) -> ConfigPush:
    data = KIOSK.model_dump(mode="json")
    data["camera"] = {**data["camera"], **camera}
    return ConfigPush(config_version=f"v{len(camera)}", sha256=config_digest(data), config=data)


@pytest.fixture
def store(tmp_path: Path) -> DeviceConfigStore:
    return DeviceConfigStore(tmp_path / "cfg", "kiosk-1")


def test_first_push_is_applied_and_survives_a_restart(store: DeviceConfigStore) -> None:
    device = Device()
    push = build_push(KIOSK, "v1")
    result = store.apply(push, device.activate)
    assert result.status == "applied"
    assert device.running == [KIOSK]
    again = DeviceConfigStore(store.directory, "kiosk-1").current()
    assert again is not None
    assert (again.version, again.sha256, again.config) == ("v1", push.sha256, KIOSK)
    ack = result.ack(uuid.UUID(int=7))
    assert (ack.status, ack.id) == ("applied", uuid.UUID(int=7))


def test_redelivery_of_the_running_config_is_acked_without_reapplying(
    store: DeviceConfigStore,
) -> None:
    device = Device()
    push = build_push(KIOSK, "v1")
    store.apply(push, device.activate)
    result = store.apply(push, device.activate)
    assert result.status == "applied"
    assert "already running" in result.detail
    assert len(device.running) == 1


def test_config_the_device_cannot_run_is_rolled_back(store: DeviceConfigStore) -> None:
    device = Device()
    store.apply(build_push(KIOSK, "v1"), device.activate)
    result = store.apply(_push(source=99), device.activate)
    assert result.status == "rolled_back"
    assert "camera 99 does not open" in result.detail
    assert "back on v1" in result.detail
    # The old config runs again, and is what a restarted agent finds.
    assert device.running == [KIOSK, KIOSK]
    current = DeviceConfigStore(store.directory, "kiosk-1").current()
    assert current is not None
    assert current.config == KIOSK
    assert current.version == "v1"


@pytest.mark.parametrize(
    ("push", "detail"),
    [
        (_push(fps=600), "camera.fps"),
        (_push(face_recognition=False), "not supported by design"),
        (
            ConfigPush(config_version="x", sha256="0" * 64, config=KIOSK.model_dump(mode="json")),
            "sha256 does not match",
        ),
        (build_push(KIOSK.model_copy(update={"id": "kiosk-2"}), "v9"), "this device is 'kiosk-1'"),
    ],
)
def test_invalid_pushes_fail_and_the_old_config_stays(
    store: DeviceConfigStore, push: ConfigPush, detail: str
) -> None:
    device = Device()
    store.apply(build_push(KIOSK, "v1"), device.activate)
    result = store.apply(push, device.activate)
    assert result.status == "failed"
    assert detail in result.detail
    assert device.running == [KIOSK]  # never handed to the device
    current = store.current()
    assert current is not None
    assert current.version == "v1"


def test_a_crash_between_the_renames_falls_back_to_the_previous_file(
    store: DeviceConfigStore,
) -> None:
    device = Device()
    store.apply(build_push(KIOSK, "v1"), device.activate)
    store.apply(_push(fps=10), device.activate)
    (store.directory / CURRENT).unlink()  # as if power went between the two renames
    current = store.current()
    assert current is not None
    assert current.version == "v1"
    (store.directory / CURRENT).write_text("{half a fi")
    assert (store.directory / PREVIOUS).exists()
    current = store.current()
    assert current is not None
    assert current.version == "v1"


def test_rollback_with_no_earlier_config(store: DeviceConfigStore) -> None:
    result = store.apply(_push(source=99), Device().activate)
    assert result.status == "rolled_back"
    assert "no earlier config" in result.detail
    assert store.current() is None
