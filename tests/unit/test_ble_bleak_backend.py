"""The bleak backend, run through bleak's real BleakScanner with a backend of our own.

bleak lets a platform backend be passed to ``BleakScanner(backend=...)``; the one here
does what bleak's BlueZ backend does when D-Bus reports an advertisement
(``create_or_update_device`` then ``call_detection_callbacks``) without a radio.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, ClassVar

import pytest
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakError,
)

from edge.backends.bleak_scanner import (
    BleakBleScanner,
    BluetoothUnavailableError,
    ScannerError,
    monitor_patterns,
)
from edge.presence.roster import RosterFilter
from protocol.ble_token import service_uuid
from protocol.models import Roster

PREFIX = bytes.fromhex("696e73746f726501")
TOKEN = bytes.fromhex("1bbee046ec5c6d3e")


class RadioBackend(BaseBleakScanner):
    """A bleak platform backend without a radio: tests call :meth:`hear`."""

    start_errors: ClassVar[list[BaseException]] = []
    instances: ClassVar[list[RadioBackend]] = []

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: list[str] | None,
        scanning_mode: str,
        *,
        bluez: dict[str, Any],
        cb: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        if scanning_mode == "passive" and not bluez.get("or_patterns"):
            raise BleakError("passive scanning mode requires bluez or_patterns")
        self.mode = scanning_mode
        self.bluez = bluez
        self.running = False
        RadioBackend.instances.append(self)

    async def start(self) -> None:
        if RadioBackend.start_errors:
            raise RadioBackend.start_errors.pop(0)
        self.seen_devices = {}
        self.running = True

    async def stop(self) -> None:
        self.running = False

    def hear(self, address: str, adv: AdvertisementData) -> None:
        device = self.create_or_update_device(address, address, None, {"path": address}, adv)
        self.call_detection_callbacks(device, adv)


@pytest.fixture(autouse=True)
def _fresh() -> None:
    RadioBackend.start_errors = []
    RadioBackend.instances = []


def _adv(
    uuids: list[str], rssi: int = -60, md: dict[int, bytes] | None = None
) -> AdvertisementData:
    return AdvertisementData(None, md or {}, {}, uuids, None, rssi, ())


def test_adverts_reach_the_callback_and_bleak_keeps_no_address() -> None:
    async def scenario() -> None:
        flt = RosterFilter(PREFIX)
        flt.update(Roster(windows=[1], tokens=[TOKEN.hex()]))
        kept: list[str] = []
        scanner = BleakBleScanner(PREFIX, adapter="hci1", backend=RadioBackend)

        def callback(device: BLEDevice, adv: AdvertisementData) -> None:
            assert isinstance(device, BLEDevice)
            seen = flt.admit(adv, adv.rssi, 0.0, device.address)
            if seen is not None:
                kept.append(seen.id)

        await scanner.start(callback)
        radio = RadioBackend.instances[-1]
        assert radio.mode == "passive"
        assert radio.bluez["adapter"] == "hci1"
        assert radio.bluez["or_patterns"] == monitor_patterns(PREFIX)
        radio.hear("4A:11:22:33:44:55", _adv([service_uuid(PREFIX, TOKEN)]))
        for i in range(1000):
            radio.hear(
                f"5B:00:00:00:{i >> 8:02X}:{i & 0xFF:02X}", _adv([], md={0x004C: b"\x10\x05"})
            )
            assert radio.seen_devices == {}
        assert kept == [TOKEN.hex()]
        assert flt.dropped == 1000
        assert scanner.seen_devices == 0
        await scanner.stop()
        assert not radio.running

    asyncio.run(scenario())


def test_monitor_pattern_matches_the_token_frame_on_air() -> None:
    on_air = uuid.UUID(service_uuid(PREFIX, TOKEN)).bytes[::-1]  # AD type 0x07 data
    pattern = monitor_patterns(PREFIX)[0]
    start = pattern.start_position
    assert pattern.ad_data_type == 0x07
    assert on_air[start : start + len(pattern.content_of_pattern)] == pattern.content_of_pattern


def test_bleak_errors_become_ours() -> None:
    async def scenario() -> None:
        RadioBackend.start_errors = [
            BleakBluetoothNotAvailableError("off", BleakBluetoothNotAvailableReason.POWERED_OFF)
        ]
        scanner = BleakBleScanner(PREFIX, adapter="hci0", backend=RadioBackend, passive=False)
        with pytest.raises(BluetoothUnavailableError, match="powered off") as info:
            await scanner.start(lambda d, a: None)
        assert info.value.reason == "powered_off"
        assert info.value.adapter == "hci0"
        RadioBackend.start_errors = [BleakDBusError("org.bluez.Error.NotReady", [])]
        with pytest.raises(ScannerError, match=r"org\.bluez\.Error\.NotReady"):
            await scanner.start(lambda d, a: None)

    asyncio.run(scenario())


def test_passive_falls_back_to_active_when_bluez_cannot_monitor() -> None:
    async def scenario() -> None:
        RadioBackend.start_errors = [BleakError("AdvertisementMonitorManager1 not available")]
        scanner = BleakBleScanner(PREFIX, backend=RadioBackend, passive=True)
        await scanner.start(lambda d, a: None)
        assert scanner.mode == "active"
        assert RadioBackend.instances[-1].mode == "active"
        await scanner.stop()

    asyncio.run(scenario())


def test_run_restarts_after_errors_and_after_silence() -> None:
    async def scenario() -> None:
        RadioBackend.start_errors = [BleakDBusError("org.bluez.Error.Failed", [])]
        scanner = BleakBleScanner(PREFIX, backend=RadioBackend, passive=False)
        stop = asyncio.Event()
        task = asyncio.create_task(
            scanner.run(lambda d, a: None, stop, silence_restart_s=0.05, check_every_s=0.01)
        )
        await asyncio.sleep(1.5)  # one back-off (1 s) and several silence restarts
        stop.set()
        await asyncio.wait_for(task, 5.0)
        assert scanner.restarts >= 3
        assert len(RadioBackend.instances) >= 3

    asyncio.run(scenario())


def test_run_gives_up_when_there_is_no_bluetooth() -> None:
    async def scenario() -> None:
        RadioBackend.start_errors = [
            BleakBluetoothNotAvailableError("none", BleakBluetoothNotAvailableReason.NO_BLUETOOTH)
        ]
        scanner = BleakBleScanner(PREFIX, backend=RadioBackend, passive=False)
        with pytest.raises(BluetoothUnavailableError):
            await scanner.run(lambda d, a: None, asyncio.Event())

    asyncio.run(scenario())
