"""Recorded air: what one gateway's radio hears, as a file that a simulated gateway plays
back in real time through the ``BleScanner`` port.

The simulated world (``simulators/ble_world.py``, numpy and scipy) is computed by whoever
runs the store; the gateway process only reads lines, so what it costs in time and memory
is what a gateway on a real radio costs. A line is one advertisement:
``{"t": unix seconds, "a": address, "u": [service UUIDs], "m": {company id: hex},
"s": {service UUID: hex}, "r": rssi}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Final

import orjson
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from edge.ports import DetectionCallback

Timed = tuple[float, BLEDevice, AdvertisementData]
_LATE_S: Final = 5.0  # an advert more than this late (a busy machine) is dropped, not bunched


def write_air(path: Path, heard: Iterable[Timed]) -> int:
    """Write ``heard`` (in time order) to ``path``; return how many adverts it holds."""
    n = 0
    with path.open("wb") as out:
        for t, device, adv in heard:
            line = {
                "t": round(t, 4),
                "a": device.address,
                "u": list(adv.service_uuids),
                "m": {str(k): v.hex() for k, v in adv.manufacturer_data.items()},
                "s": {k: v.hex() for k, v in adv.service_data.items()},
                "r": adv.rssi,
            }
            out.write(orjson.dumps(line) + b"\n")
            n += 1
    return n


def read_air(path: Path) -> Iterator[Timed]:
    """The adverts of an air file, one at a time, as bleak hands them over."""
    with path.open("rb") as lines:
        for raw in lines:
            line = orjson.loads(raw)
            adv = AdvertisementData(
                None,
                {int(k): bytes.fromhex(v) for k, v in line["m"].items()},
                {k: bytes.fromhex(v) for k, v in line["s"].items()},
                line["u"],
                None,
                line["r"],
                (),
            )
            yield line["t"], BLEDevice(line["a"], None, None), adv


class PlayingScanner:
    """The ``BleScanner`` port for simulated radios: ``_play`` hands adverts to the
    callback on the event loop, as bleak does, until it has played all of them."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self.done = asyncio.Event()

    async def _play(self, callback: DetectionCallback) -> None:
        raise NotImplementedError

    async def _played(self, callback: DetectionCallback) -> None:
        await self._play(callback)
        self.done.set()

    async def start(self, callback: DetectionCallback) -> None:
        self._task = asyncio.create_task(self._played(callback))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self, callback: DetectionCallback, stop: asyncio.Event) -> None:
        """Play every advertisement (or until ``stop`` is set), then stop."""
        await self.start(callback)
        try:
            finished = asyncio.ensure_future(self.done.wait())
            halted = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({finished, halted}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                finished.cancel()
                halted.cancel()
        finally:
            await self.stop()


class AirScanner(PlayingScanner):
    """An air file played at the times it names (adverts already past are skipped), as a
    real adapter would deliver them. With ``hold`` the radio stays on, silent, once the
    file is played, as a gateway's would (until the scan is stopped)."""

    def __init__(
        self, path: Path, clock: Callable[[], float] = time.time, *, hold: bool = False
    ) -> None:
        super().__init__()
        self._path = path
        self._clock = clock
        self._hold = hold
        self.played = 0

    async def _play(self, callback: DetectionCallback) -> None:
        for t, device, adv in read_air(self._path):
            wait = t - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -_LATE_S:
                continue
            callback(device, adv)
            self.played += 1
        if self._hold:
            await asyncio.Event().wait()  # cancelled by stop()
