"""A Mosquitto with the project's config on a free port, and a hub data directory for it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.fleet.broker_config import BrokerSettings
from hub.settings import HubHome, HubSettings
from protocol.enrolment import BrokerAddress
from simulators.broker import Mosquitto
from simulators.net import free_port


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with Mosquitto(BrokerSettings(data_dir=tmp_path / "broker", port=free_port())) as mq:
        yield mq


@pytest.fixture
def home(tmp_path: Path, broker: Mosquitto) -> HubHome:
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="s1", broker=BrokerAddress(port=broker.settings.port)))
    return home
