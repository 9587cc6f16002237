"""The edge agent's ports: hardware and services behind Protocols.

Real backends (``edge/backends/``) and simulated ones (``simulators/``) implement the
same port, and the agent is built the same way with either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]  # BGR or grey image, as OpenCV gives it; never leaves memory


class Camera(Protocol):
    """A source of frames: a USB camera, a file, an RTSP stream or a simulation."""

    def read(self) -> Frame | None:
        """The next frame, or None when none is available right now."""
        ...

    def close(self) -> None: ...


class CodeInput(Protocol):
    """A handheld scanner (keyboard wedge): whole codes as text."""

    def read_code(self, timeout_s: float) -> str | None: ...

    def close(self) -> None: ...


# (device, advertisement) exactly as bleak's detection callback gets them: a
# ``bleak.backends.device.BLEDevice`` and a ``bleak.backends.scanner.AdvertisementData``.
# The simulated world builds the same objects, so both enter the agent through this door.
DetectionCallback = Callable[[Any, Any], None]


class BleScanner(Protocol):
    """A BLE scanner that calls back for every advertisement it hears: the bleak backend
    on a real adapter (``edge/backends/bleak_scanner.py``) or the simulated world's
    scanner (``simulators/ble_scanner.py``), used the same way.

    The callback runs on the event loop thread and must be quick: it is where the
    presence roster filter drops strangers (edge/presence/roster.py).
    """

    async def start(self, callback: DetectionCallback) -> None:
        """Start calling back; return once scanning has started."""
        ...

    async def stop(self) -> None:
        """Stop calling back; nothing heard is kept."""
        ...

    async def run(self, callback: DetectionCallback, stop: asyncio.Event) -> None:
        """Scan until ``stop`` is set: a radio restarts itself after errors and long
        silences; a recorded or simulated source also ends when it has played all."""
        ...
