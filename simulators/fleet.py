"""A whole simulated store as real processes: Mosquitto with the project's config, the
hub, and edge agents, each a child process that can be stopped or SIGKILLed."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from hub.broker import BrokerSettings, Mosquitto, free_port, wait_for_port
from hub.enrol import enrol_device
from hub.settings import HubHome, HubSettings
from protocol.enrolment import BrokerAddress, DeviceKind
from simulators.errors import SimError

STOP_TIMEOUT_S: Final = 10.0


@dataclass
class SimStore:
    """Processes of one simulated store under ``root`` (wiped first)."""

    root: Path
    store: str = "demo"
    kiosks: int = 3
    gateways: int = 4
    broker_port: int = 0
    http_port: int = 0
    broker: Mosquitto | None = None
    hub: subprocess.Popen[bytes] | None = None
    devices: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    identities: dict[str, Path] = field(default_factory=dict)

    @property
    def home(self) -> HubHome:
        return HubHome(self.root / "hub")

    def device_ids(self) -> list[str]:
        return [f"kiosk-{i + 1}" for i in range(self.kiosks)] + [
            f"gateway-{i + 1}" for i in range(self.gateways)
        ]

    def setup(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        self.broker_port = self.broker_port or free_port()
        self.http_port = self.http_port or free_port()
        self.broker = Mosquitto(
            BrokerSettings(data_dir=self.root / "broker", port=self.broker_port)
        )
        self.broker.start()
        self.home.init(HubSettings(store=self.store, broker=BrokerAddress(port=self.broker_port)))
        for device in self.device_ids():
            kind = DeviceKind.KIOSK if device.startswith("kiosk") else DeviceKind.GATEWAY
            self.identities[device] = enrol_device(self.home, device, kind)

    def _spawn(self, module: str, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = self.root / "logs" / f"{log_name}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("ab") as out:
            return subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", module, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=os.environ | {"PYTHONUNBUFFERED": "1"},
            )

    def start_hub(self) -> None:
        self.hub = self._spawn(
            "hub",
            ["run", "--data", str(self.home.root), "--http", f"127.0.0.1:{self.http_port}"],
            "hub",
        )
        if not wait_for_port("127.0.0.1", self.http_port, 30):
            raise SimError(f"the hub did not start; see {self.root / 'logs' / 'hub.log'}")

    def start_device(self, device: str, extra: list[str]) -> subprocess.Popen[bytes]:
        proc = self._spawn(
            "simulators",
            [
                "device",
                "--identity",
                str(self.identities[device]),
                "--outbox",
                str(self.root / "edge" / device / "outbox.db"),
                *extra,
            ],
            device,
        )
        self.devices[device] = proc
        return proc

    def kill_hub(self) -> None:
        """SIGKILL the hub process (no clean shutdown)."""
        if self.hub is not None:
            self.hub.kill()
            self.hub.wait()

    def kill_broker(self) -> Mosquitto:
        """SIGKILL Mosquitto; the returned broker can be started again on the same port."""
        if self.broker is None:
            raise SimError("the broker was never started")
        self.broker.kill()
        return self.broker

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"

    @property
    def broker_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.broker_port}"

    def stop(self) -> None:
        procs = [*self.devices.values()] + ([self.hub] if self.hub else [])
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.broker is not None:
            self.broker.stop()
