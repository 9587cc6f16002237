"""Config pushes, key rotation and revocation through the real broker, hub and agent."""

from __future__ import annotations

import time
from pathlib import Path

from edge.agent import EdgeAgent
from edge.outbox import Draft
from edge.uplink import UplinkSettings
from firmware_configs.config_apply import DeviceConfig, build_push, config_digest
from firmware_configs.schemas import KioskConfig
from hub import registry
from hub.dashboard.fleet_view import config_pushes
from hub.service import HubService
from hub.settings import HubHome
from protocol.kinds import DeviceKind
from protocol.models import ConfigPush
from tests.broker.conftest import enrol, eventually

KIOSK = KioskConfig.model_validate({"kind": "kiosk", "id": "k1", "store": "s1", "zone": "entrance"})


class Camera:
    """What activation means on this test kiosk: camera 99 does not open."""

    def __init__(self) -> None:
        self.running: list[DeviceConfig] = []

    def activate(self, config: DeviceConfig) -> None:
        if isinstance(config, KioskConfig) and config.camera.source == 99:
            raise RuntimeError("camera 99 does not open")
        self.running.append(config)


def bad_push() -> ConfigPush:
    data = KIOSK.model_dump(mode="json")
    data["camera"] = {**data["camera"], "source": 99}
    return ConfigPush(config_version="v2", sha256=config_digest(data), config=data)


def answer(hub: HubService, command_id: object) -> tuple[str, str] | None:
    row = hub.store.db.execute(
        "SELECT status, detail FROM commands WHERE id = ? AND answered IS NOT NULL",
        (str(command_id),),
    ).fetchone()
    return None if row is None else (row[0], row[1])


def test_a_bad_config_push_rolls_back_and_the_device_keeps_the_old(
    home: HubHome, tmp_path: Path
) -> None:
    identity = enrol(home, "k1", DeviceKind.KIOSK)
    camera = Camera()
    agent = EdgeAgent(
        identity, tmp_path / "outbox.db", config_dir=tmp_path / "cfg", activate=camera.activate
    )
    hub = HubService(home)
    hub.start()
    agent.start()
    try:
        good = hub.send_command("k1", build_push(KIOSK, "v1"))
        eventually(lambda: answer(hub, good) is not None)
        assert answer(hub, good) == ("applied", "running v1")
        bad = hub.send_command("k1", bad_push())
        eventually(lambda: answer(hub, bad) is not None)
        status, detail = answer(hub, bad) or ("", "")
        assert status == "rolled_back"
        assert "camera 99 does not open" in detail
        assert camera.running == [KIOSK, KIOSK]  # v1, then v1 again after the rollback
        # Staff see it on the devices page.
        assert config_pushes(hub.store.db)["k1"].startswith("rolled back: RuntimeError: camera 99")
        # The device goes on working, on v1, and says so in its heartbeats.
        agent.submit([Draft("scan", time.time(), {"gtin": "1"})])
        eventually(lambda: agent.outbox.depth == 0)
        assert agent.uplink.config_version == "v1"
    finally:
        agent.stop()
        hub.stop()
    # A restart runs what was applied last.
    again = EdgeAgent(
        identity, tmp_path / "outbox.db", config_dir=tmp_path / "cfg", activate=camera.activate
    )
    assert again.uplink.config_version == "v1"
    again.outbox.close()


def test_a_revoked_device_is_refused_within_the_key_cache(home: HubHome, tmp_path: Path) -> None:
    identity = enrol(home, "k1", DeviceKind.KIOSK)
    agent = EdgeAgent(identity, tmp_path / "outbox.db", settings=UplinkSettings(ack_timeout_s=1))
    hub = HubService(home)
    hub.store.key_ttl_s = 0.5
    hub.start()
    agent.start()
    try:
        agent.submit([Draft("scan", time.time(), {"gtin": "1"})])
        eventually(lambda: agent.outbox.depth == 0)
        registry.revoke(hub.store.db, "k1")
        time.sleep(0.6)
        agent.submit([Draft("scan", time.time(), {"gtin": "2"})])
        eventually(
            lambda: (
                hub.store.db.execute(
                    "SELECT COUNT(*) FROM dead_letters WHERE reason = 'unknown device'"
                ).fetchone()[0]
                > 0
            )
        )
        assert agent.outbox.depth == 1  # never acknowledged: nothing of it was stored
        assert hub.store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1
    finally:
        agent.stop()
        hub.stop()
