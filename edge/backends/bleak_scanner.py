"""The ``BleScanner`` port on bleak: passive where the platform allows, restarts, our errors.

On Linux the scanner asks BlueZ for passive scanning with an advertisement monitor
whose ``or_patterns`` match the chain's token prefix and store beacon frames, so
BlueZ drops most strangers before Python sees them; if the monitor is unavailable
(BlueZ without the AdvertisementMonitor API) it falls back to active scanning.
After every callback it empties bleak's ``seen_devices`` map, which would otherwise
keep every address it has heard with its last advertisement. What the operating
system itself still keeps is described in docs/presence.md.

bleak's errors are translated where they enter: :class:`BluetoothUnavailableError`
(no radio, powered off, permission denied) and :class:`ScannerError` (adapter or
D-Bus failures). :meth:`BleakBleScanner.run` restarts the scanner after an
error or when it has heard nothing for ``silence_restart_s``, backing off between
attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from typing import Final, Literal

from bleak import BleakScanner
from bleak.args.bluez import BlueZScannerArgs, OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakError

from edge.errors import EdgeError
from edge.ports import DetectionCallback
from protocol.ble_token import PREFIX_BYTES

RESTART_DELAY_S: Final = 1.0  # first retry after an adapter error
MAX_RESTART_DELAY_S: Final = 60.0  # back-off ceiling: an unplugged dongle should not spin
SILENCE_RESTART_S: Final = 120.0  # a store is never this quiet: the adapter has hung


class ScannerError(EdgeError):
    """The BLE adapter or the Bluetooth stack failed (D-Bus error, adapter gone)."""

    def __init__(self, message: str, adapter: str | None = None) -> None:
        super().__init__(message)
        self.adapter = adapter


class BluetoothUnavailableError(ScannerError):
    """No usable Bluetooth: no radio, powered off, or permission denied."""

    def __init__(self, message: str, reason: str, adapter: str | None = None) -> None:
        super().__init__(message, adapter)
        self.reason = reason


def monitor_patterns(chain_prefix: bytes) -> list[OrPattern]:
    """BlueZ advertisement-monitor patterns for token frames and store beacons.

    A 128-bit UUID travels little-endian, so the chain prefix (the UUID's first 8
    bytes) is the *last* 8 bytes of the AD structure, reversed. The pattern matches
    when the token UUID is the first (usually the only) one in the list.
    """
    if len(chain_prefix) != PREFIX_BYTES:
        raise ValueError("the chain prefix has 8 bytes")
    reversed_prefix = chain_prefix[::-1]
    return [
        OrPattern(8, AdvertisementDataType.COMPLETE_LIST_SERVICE_UUID128, reversed_prefix),
        OrPattern(8, AdvertisementDataType.INCOMPLETE_LIST_SERVICE_UUID128, reversed_prefix),
        OrPattern(8, AdvertisementDataType.SERVICE_DATA_UUID128, reversed_prefix),
        OrPattern(0, AdvertisementDataType.SERVICE_DATA_UUID16, b"\xaa\xfe"),  # Eddystone
        OrPattern(0, AdvertisementDataType.MANUFACTURER_SPECIFIC_DATA, b"\x4c\x00\x02\x15"),
    ]


class BleakBleScanner:
    """Scans with bleak and hands each advertisement to one callback, keeping nothing.

    ``backend`` is bleak's own hook for a platform backend class; the default is the
    platform's. ``passive`` None: passive on Linux (with monitor patterns) and Windows,
    active on macOS, where passive scanning does not exist.
    """

    def __init__(
        self,
        chain_prefix: bytes,
        *,
        adapter: str | None = None,
        passive: bool | None = None,
        backend: type[BaseBleakScanner] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._prefix = chain_prefix
        self.adapter = adapter
        self.passive = sys.platform != "darwin" if passive is None else passive
        self._backend = backend
        self._monotonic = monotonic
        self._scanner: BleakScanner | None = None
        self._callback: DetectionCallback | None = None
        self.last_advert = monotonic()
        self.restarts = 0
        self.mode: Literal["passive", "active"] = "passive" if self.passive else "active"
        self._last_error: BaseException | None = None

    def _make(self, mode: Literal["passive", "active"]) -> BleakScanner:
        bluez: BlueZScannerArgs = {}
        if self.adapter:
            bluez["adapter"] = self.adapter
        if mode == "passive" and (sys.platform.startswith("linux") or self._backend is not None):
            bluez["or_patterns"] = list(monitor_patterns(self._prefix))
        try:
            return BleakScanner(self._on_detection, None, mode, bluez=bluez, backend=self._backend)
        except BleakError as exc:
            raise _translate(exc, self.adapter) from exc

    def _on_detection(self, device: BLEDevice, adv: AdvertisementData) -> None:
        self.last_advert = self._monotonic()
        try:
            if self._callback is not None:
                self._callback(device, adv)
        finally:
            self._forget_seen()

    def _forget_seen(self) -> None:
        if self._scanner is not None:
            _clear_seen(self._scanner)

    @property
    def seen_devices(self) -> int:
        """How many devices bleak holds right now (0 between callbacks)."""
        backend = getattr(self._scanner, "_backend", None)
        return len(getattr(backend, "seen_devices", {}) or {})

    async def start(self, callback: DetectionCallback) -> None:
        """Start scanning; falls back from passive to active if BlueZ cannot monitor."""
        self._callback = callback
        try:
            await self._start(self.mode)
        except ScannerError:
            if self.mode != "passive" or isinstance(
                self._last_error, BleakBluetoothNotAvailableError
            ):
                raise
            self.mode = "active"
            await self._start("active")

    async def _start(self, mode: Literal["passive", "active"]) -> None:
        self._scanner = self._make(mode)
        try:
            await self._scanner.start()
        except (TimeoutError, BleakError, OSError) as exc:
            self._last_error = exc
            self._scanner = None
            raise _translate(exc, self.adapter) from exc
        self.last_advert = self._monotonic()

    async def stop(self) -> None:
        scanner, self._scanner = self._scanner, None
        if scanner is None:
            return
        try:
            await scanner.stop()
        except (TimeoutError, BleakError, OSError) as exc:
            raise _translate(exc, self.adapter) from exc
        finally:
            _clear_seen(scanner)

    async def run(
        self,
        callback: DetectionCallback,
        stop: asyncio.Event,
        *,
        silence_restart_s: float = SILENCE_RESTART_S,
        check_every_s: float = 1.0,
    ) -> None:
        """Scan until ``stop`` is set (or the task is cancelled), restarting after errors
        and long silences; the scanner is stopped however this ends."""
        delay = RESTART_DELAY_S
        try:
            while not stop.is_set():
                try:
                    await self.start(callback)
                except BluetoothUnavailableError:
                    raise
                except ScannerError:
                    self.restarts += 1
                    await _wait(stop, delay)
                    delay = min(delay * 2, MAX_RESTART_DELAY_S)
                    continue
                delay = RESTART_DELAY_S
                while not stop.is_set():
                    await _wait(stop, check_every_s)
                    if self._monotonic() - self.last_advert > silence_restart_s:
                        break
                with contextlib.suppress(ScannerError):
                    await self.stop()
                if not stop.is_set():
                    self.restarts += 1
        finally:
            with contextlib.suppress(ScannerError):
                await self.stop()


def _clear_seen(scanner: BleakScanner) -> None:
    # bleak keeps every address it has heard, with its last advertisement, in the
    # backend's seen_devices map; there is no public way to empty it.
    seen = getattr(getattr(scanner, "_backend", None), "seen_devices", None)
    if seen:
        seen.clear()


async def _wait(event: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return


def _translate(exc: BaseException, adapter: str | None) -> ScannerError:
    where = f" on {adapter}" if adapter else ""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        reason = exc.reason.name.lower() if exc.reason is not None else "unknown"
        return BluetoothUnavailableError(
            f"Bluetooth is not available{where} ({reason.replace('_', ' ')})", reason, adapter
        )
    if isinstance(exc, BleakDBusError):
        return ScannerError(f"the Bluetooth stack refused{where}: {exc.dbus_error}", adapter)
    if isinstance(exc, TimeoutError):
        return ScannerError(f"the Bluetooth adapter{where} did not answer in time", adapter)
    return ScannerError(f"BLE scanning failed{where}: {exc}", adapter)
