"""On a gateway with a real Bluetooth adapter (INSTORE_HARDWARE=1): the bleak backend
scans, and whatever it hears goes through the roster filter, which keeps nothing of a
stranger."""

from __future__ import annotations

import asyncio
from typing import Any

from edge.backends.bleak_scanner import BleakBleScanner
from edge.presence.roster import RosterFilter

PREFIX = bytes.fromhex("696e73746f726501")


def test_a_real_adapter_scans_and_the_filter_drops_strangers() -> None:
    roster = RosterFilter(PREFIX, [])
    heard = 0

    def callback(device: Any, adv: Any) -> None:
        nonlocal heard
        heard += 1
        roster.admit(adv, adv.rssi, 0.0, device.address)

    async def scan() -> None:
        scanner = BleakBleScanner(PREFIX, passive=False)
        await scanner.start(callback)
        await asyncio.sleep(10)
        await scanner.stop()
        assert scanner.seen_devices == 0  # bleak's own map is emptied

    asyncio.run(scan())
    assert roster.kept == 0  # nobody is on an empty roster
    assert roster.dropped == heard
