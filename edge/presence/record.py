"""Recording a trace at a gateway: the live filter keeps only roster tokens and store
beacons, and every kept reception goes to the trace file (format: docs/presence.md).

Any ``BleScanner`` feeds it: ``instore-edge ble record`` a radio, ``instore-sim
ble-record`` the simulated store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.ports import BleScanner
from edge.presence.config import PresenceSettings
from edge.presence.live import GatewayPresence
from edge.presence.trace import TraceWriter
from protocol.models import Roster


@dataclass(frozen=True, slots=True)
class Recorded:
    kept: int  # receptions written to the trace
    dropped: int  # advertisements the filter dropped (strangers)


def trace_header(settings: PresenceSettings) -> dict[str, Any]:
    """A trace's header: the store's gateways and zones, without any gateway's radio
    settings (those are what calibration finds)."""
    header = settings.model_dump(mode="json", include={"gateways", "zones"})
    for gw in header["gateways"].values():
        for key in ("ref_power_dbm", "exponent"):
            gw.pop(key, None)
    return header


async def record(
    scanner: BleScanner,
    settings: PresenceSettings,
    gateway: str,
    roster: Roster,
    out: Path,
    *,
    clock: Callable[[], float],
    seconds: float = 0.0,
) -> Recorded:
    """Record what ``gateway`` keeps into ``out``, for ``seconds`` (0: until the scanner
    ends or the task is cancelled, e.g. by Ctrl-C)."""
    with TraceWriter(out, trace_header(settings)) as writer:
        presence = GatewayPresence(settings, gateway, clock, recorder=writer)
        presence.update_roster(roster)
        stop = asyncio.Event()
        timer = asyncio.get_running_loop().call_later(seconds, stop.set) if seconds > 0 else None
        try:
            await scanner.run(presence.on_detection, stop)
        finally:
            if timer is not None:
                timer.cancel()
    return Recorded(writer.written, presence.roster.dropped)
