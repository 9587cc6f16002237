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

from hub.fleet.broker_config import BrokerSettings
from hub.fleet.store_security import create_store_security, tls_listener_lines
from hub.registry import enrol_device
from hub.settings import HubHome, HubSettings
from protocol.enrolment import BrokerAddress
from protocol.kinds import DeviceKind
from protocol.topics import HUB_CONSENT_ID, HUB_ID
from simulators.broker import Mosquitto
from simulators.errors import SimError
from simulators.net import free_port, wait_for_port

STOP_TIMEOUT_S: Final = 10.0
OPERATOR: Final = "operator"  # the read-only login the demo prints


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
    map_path: Path | None = None  # the store map the hub's phone pages show
    catalog_path: Path | None = None  # product feed and model for the phone's "For you"
    recs_model: Path | None = None
    https: bool = False  # the hub's pages over HTTPS with a self-signed certificate
    # Every user needs its password and keeps to its topics (the ACL) in any case; with
    # ``tls`` the broker also takes only TLS with a store certificate, as a store does.
    tls: bool = False
    operator: BrokerAddress | None = None  # a read-only login made for the run

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
        broker, addresses = self._locked_broker()
        self.broker = broker
        self.operator = addresses[OPERATOR]
        broker.start()
        self.home.init(
            HubSettings(
                store=self.store,
                broker=addresses[HUB_ID],
                consent_broker=addresses[HUB_CONSENT_ID],
                fleet_dir=self.root / "security",
                broker_pid_file=self.root / "broker" / "mosquitto.pid",
            )
        )
        for device in self.device_ids():
            kind = DeviceKind.KIOSK if device.startswith("kiosk") else DeviceKind.GATEWAY
            self.identities[device] = enrol_device(
                self.home, device, kind, broker=addresses[device]
            )

    def _locked_broker(self) -> tuple[Mosquitto, dict[str, BrokerAddress]]:
        """The store's broker as a store runs it: a password per user and the ACL, and
        with ``tls`` only TLS with store certificates (the plain listener, on loopback
        and unused, then also wants passwords)."""
        security = create_store_security(
            self.root / "security", self.store, self.device_ids(), readers=[OPERATOR]
        )
        files = security.files
        tls = tls_listener_lines(files, tls_port=self.broker_port, host="127.0.0.1")
        broker = Mosquitto(
            BrokerSettings(
                data_dir=self.root / "broker",
                port=free_port() if self.tls else self.broker_port,
                password_file=files.password_file,
                acl_file=files.acl_file,
                extra_lines=tls if self.tls else (),
            )
        )
        return broker, {
            user: BrokerAddress(
                host="127.0.0.1",
                port=self.broker_port,
                username=user,
                password=password,
                tls_ca=str(files.ca_cert) if self.tls else None,
                tls_cert=str(files.client_cert(user)) if self.tls else None,
                tls_key=str(files.client_key(user)) if self.tls else None,
            )
            for user, password in security.passwords.items()
        }

    def _spawn(self, module: str, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = self.root / "logs" / f"{log_name}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("ab") as out:
            return subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", module, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=os.environ | {"PYTHONUNBUFFERED": "1"},
                # Ctrl-C in the terminal reaches only us; we stop the parts in order
                # (SIGTERM), rather than each part catching the terminal's SIGINT too.
                start_new_session=True,
            )

    def start_hub(self) -> None:
        self.hub = self._spawn(
            "hub",
            [
                "run",
                "--data",
                str(self.home.root),
                "--http",
                f"127.0.0.1:{self.http_port}",
                *(["--map", str(self.map_path)] if self.map_path else []),
                *(["--catalog", str(self.catalog_path)] if self.catalog_path else []),
                *(["--recs-model", str(self.recs_model)] if self.recs_model else []),
                *(["--self-signed"] if self.https else []),
            ],
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
    def https_ca(self) -> Path:
        """The certificate to trust for the hub's pages (``https=True``: self-signed)."""
        return self.home.root / "keys" / "https.crt"

    @property
    def dashboard_url(self) -> str:
        return f"{'https' if self.https else 'http'}://127.0.0.1:{self.http_port}/"

    @property
    def broker_url(self) -> str:
        """The broker, with the read-only operator login made for this run."""
        login = f"{self.operator.username}:{self.operator.password}@" if self.operator else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{login}127.0.0.1:{self.broker_port}"

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
