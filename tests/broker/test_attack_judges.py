"""The attack's judges see a breach when there is one: against a broker with passwords
but no ACL (so any login reads and writes everything, and may take another client's
id), the ACL and takeover probes must report success."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.registry import enrol_device
from hub.settings import HubHome
from protocol.kinds import DeviceKind
from simulators.attack.arena import Arena
from simulators.attack.mqtt import Connection
from simulators.attack.registry import PROBES
from simulators.attack.run import load_probes
from simulators.attack.target import Login, Target
from simulators.broker import Mosquitto
from tests.broker.conftest import login

OPEN_ACL_BREACHES = [
    "broker.take_over_a_device_session",
    "acl.publish_another_devices_events",
    "acl.publish_a_command",
    "acl.read_everything",
    "acl.read_another_devices_commands",
]


@pytest.fixture
def arena(tmp_path: Path, home: HubHome, broker: Mosquitto) -> Arena:
    load_probes()
    port = broker.settings.port
    stolen = enrol_device(home, "kiosk-3", DeviceKind.KIOSK, broker=login(port))
    nobody = Login(name="nobody", password="-")
    target = Target(
        store="s1",
        hub_url="https://127.0.0.1:9",
        broker=login(port).model_copy(update={"username": None, "password": None}),
        stolen=stolen,
        victim="kiosk-2",
        staff=nobody,
        officer=nobody,
        admin=nobody,
        misconfigured=login(port),
        watcher=login(port),
        hub_data=home.root,
    )
    return Arena(target)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", OPEN_ACL_BREACHES)
def test_a_breach_is_reported_as_one(arena: Arena, name: str, broker: Mosquitto) -> None:
    victim = Connection(login(broker.settings.port), "kiosk-2", session_expiry_s=3600)
    assert victim.open()
    victim.subscribe("instore/v1/s1/kiosk-2/cmd")  # a device's session, to take over
    try:
        outcome = PROBES[name](arena)
    finally:
        victim.close()
        arena.close()
    assert outcome.succeeded, outcome.what


def test_anonymous_is_refused_even_so(arena: Arena) -> None:
    try:
        assert not PROBES["broker.anonymous"](arena).succeeded
    finally:
        arena.close()
