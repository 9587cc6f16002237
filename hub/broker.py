"""Running Mosquitto with the project's own configuration (demo, tests, benchmarks)."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import string
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hub.errors import HubError

TEMPLATE: Final = Path(__file__).with_name("mosquitto.conf.tmpl")
_CANDIDATES: Final = (
    "/usr/sbin/mosquitto",
    "/usr/local/sbin/mosquitto",
    "/opt/homebrew/sbin/mosquitto",
)


class BrokerError(HubError):
    """Mosquitto is missing, or would not start or stop."""


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    window: int = 32  # the uplink's window of unacknowledged batches per device
    max_devices: int = 250  # a large store's kiosks, gateways and phones' helpers
    password_file: Path | None = None
    acl_file: Path | None = None
    extra_lines: tuple[str, ...] = ()

    @property
    def max_queued(self) -> int:
        return self.window * self.max_devices * 2

    def render(self) -> str:
        auth: list[str] = []
        if self.password_file is not None:
            auth.append(f"password_file {self.password_file}")
        if self.acl_file is not None:
            auth.append(f"acl_file {self.acl_file}")
        auth.extend(self.extra_lines)
        # Started as root, Mosquitto would switch to its own user and then fail to read
        # the owner-only files in this directory; run as the user who started it.
        user = f"user {getpass.getuser()}" if os.geteuid() == 0 else ""
        return string.Template(TEMPLATE.read_text()).substitute(
            user_line=user,
            port=self.port,
            host=self.host,
            allow_anonymous="false" if self.password_file else "true",
            auth_lines="\n".join(auth),
            data_dir=self.data_dir,
            window=self.window,
            max_queued=self.max_queued,
            max_inflight=self.window * 8,
        )


def find_mosquitto() -> str:
    """The Mosquitto executable, or a :class:`BrokerError` saying how to install it."""
    found = shutil.which("mosquitto") or next(
        (c for c in _CANDIDATES if os.access(c, os.X_OK)), None
    )
    if found is None:
        raise BrokerError(
            "Mosquitto is not installed: run `make broker-deps` (apt-get install mosquitto)"
        )
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        time.sleep(0.05)
    return False


class Mosquitto:
    """One Mosquitto process with a rendered config in ``settings.data_dir``."""

    def __init__(self, settings: BrokerSettings) -> None:
        self.settings = settings
        self.executable = find_mosquitto()
        self.conf_path = settings.data_dir / "mosquitto.conf"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.settings.host}:{self.settings.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 10.0) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(self.settings.render())
        stderr = self.settings.data_dir / "mosquitto.stderr"
        with stderr.open("ab") as err:
            self._proc = subprocess.Popen(  # noqa: S603 - a fixed executable and our own config
                [self.executable, "-c", str(self.conf_path)],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        if not wait_for_port(self.settings.host, self.settings.port, timeout):
            self.stop()
            tails = [
                p.read_text(errors="replace")[-400:].strip()
                for p in (stderr, self.settings.data_dir / "mosquitto.log")
                if p.exists()
            ]
            raise BrokerError(
                f"Mosquitto did not start on port {self.settings.port}: {' '.join(tails)}"
            )

    def reload(self) -> None:
        """Re-read password and ACL files (SIGHUP)."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGHUP)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no final save."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def __enter__(self) -> Mosquitto:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
