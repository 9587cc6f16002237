"""A Mosquitto with the project's config on a free port, and a hub data directory for it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest

from hub.fleet.broker_config import BrokerSettings
from hub.fleet.passwords import write_password_file
from hub.registry import enrol_device
from hub.settings import HubHome, HubSettings
from protocol.enrolment import BrokerAddress, DeviceIdentity
from protocol.kinds import DeviceKind
from simulators.broker import Mosquitto
from simulators.net import free_port


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


# One login for the hub, every device and the tests' own clients, on a broker without an
# ACL: the case where the devices' own checks (signed hub messages) must hold by themselves.
# The store's real security (a login each, the ACL, TLS) is what simulators.fleet.SimStore
# runs; tests that need it use that.
LOGIN: Final = ("tester", "a-password-for-the-tests")


def password_file(folder: Path) -> Path:
    path = folder / "broker-passwords"
    write_password_file(path, {LOGIN[0]: LOGIN[1]})
    return path


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    settings = BrokerSettings(
        data_dir=tmp_path / "broker", port=free_port(), password_file=password_file(tmp_path)
    )
    with Mosquitto(settings) as mq:
        yield mq


def login(port: int) -> BrokerAddress:
    return BrokerAddress(port=port, username=LOGIN[0], password=LOGIN[1])


@pytest.fixture
def home(tmp_path: Path, broker: Mosquitto) -> HubHome:
    home = HubHome(tmp_path / "hub")
    port = broker.settings.port
    home.init(HubSettings(store="s1", broker=login(port), consent_broker=login(port)))
    return home


def enrol(home: HubHome, device: str, kind: DeviceKind) -> DeviceIdentity:
    """Enrol ``device`` with the tests' login."""
    return DeviceIdentity.read(enrol_device(home, device, kind, broker=home.settings().broker))
