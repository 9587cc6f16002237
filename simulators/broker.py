"""Running Mosquitto with the store's own configuration (``hub/fleet/broker_config.py``),
for the demo, the tests and the benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from typing import Final

from hub.fleet.broker_config import BrokerSettings
from simulators.errors import SimError
from simulators.net import wait_for_port

_CANDIDATES: Final = (
    "/usr/sbin/mosquitto",
    "/usr/local/sbin/mosquitto",
    "/opt/homebrew/sbin/mosquitto",
)


class BrokerError(SimError):
    """Mosquitto is missing, or would not start or stop."""


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
