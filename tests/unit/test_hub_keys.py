"""The hub's signing keys through a rotation: devices that trust only the old key keep
taking every message until their identity is refreshed; then the old key retires."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli import main as hub_main
from hub.registry import enrol_device
from hub.settings import HubHome, HubSettings
from hub.storage import SqliteEventStore
from protocol.enrolment import DeviceIdentity
from protocol.envelope import Refusal, RefusedError, Verifier
from protocol.kinds import DeviceKind

PAYLOAD = b"a roster"


def test_a_rotation_keeps_every_device_taking_the_hubs_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="s1"))
    SqliteEventStore(home.db_path).close()
    file = enrol_device(home, "kiosk-1", DeviceKind.KIOSK)
    before = Verifier(DeviceIdentity.read(file).hub_signing_keys)
    data = ["--data", str(home.root)]

    assert hub_main(["keys", "rotate", *data]) == 0
    signed = [v for _, v in home.signer().signatures(PAYLOAD)]
    assert len(signed) == 2
    before.check(PAYLOAD, signed)  # not refreshed yet: the old key still signs

    assert hub_main(["device", "refresh", "kiosk-1", "--identity", str(file), *data]) == 0
    refreshed = DeviceIdentity.read(file)
    assert refreshed.hub_signing_keys == home.signing_public_keys()
    assert hub_main(["keys", "retire", *data]) == 0
    only_new = [v for _, v in home.signer().signatures(PAYLOAD)]
    Verifier(refreshed.hub_signing_keys).check(PAYLOAD, only_new)
    with pytest.raises(RefusedError) as old_only:
        before.check(PAYLOAD, only_new)  # a device that was never refreshed
    assert old_only.value.reason is Refusal.UNKNOWN_KEY
    assert hub_main(["keys", "retire", *data]) == 1  # nothing under way any more
    assert hub_main(["keys", "show", *data]) == 0
    assert "(current)" in capsys.readouterr().out


def test_a_refresh_refuses_another_devices_identity(tmp_path: Path) -> None:
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="s1"))
    SqliteEventStore(home.db_path).close()
    file = enrol_device(home, "kiosk-1", DeviceKind.KIOSK)
    code = hub_main(
        ["device", "refresh", "kiosk-2", "--identity", str(file), "--data", str(home.root)]
    )
    assert code == 2
