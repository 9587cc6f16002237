"""10,000 strangers' advertisements leave no trace: memory, logs, trace files, events."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from edge.presence.config import PresenceSettings
from edge.presence.frames import IBeacon
from edge.presence.live import GatewayPresence
from edge.presence.trace import TraceReader, TraceWriter
from protocol.models import Roster
from simulators.air import Timed
from simulators.ble_scanner import SimulatedBleScanner, gateway_stream
from simulators.ble_world import (
    RadioModel,
    make_phones,
    open_plan_store,
    simulate,
)

PREFIX = bytes.fromhex("696e73746f726501")
START = 1_767_225_600.0


def _consume(items: list[Timed]) -> Iterator[Timed]:
    items.reverse()
    while items:
        yield items.pop()


def test_ten_thousand_strangers_leave_no_trace(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rng = np.random.default_rng(21)
    layout = open_plan_store()
    radio = RadioModel()
    phones = make_phones(
        rng, layout=layout, radio=radio, count=3, duration=300.0, start=START, hz=4.0
    )
    rec = simulate(layout, radio=radio, phones=phones, rng=rng)
    beacon = IBeacon("f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, 1, -59)
    stream = gateway_stream(
        rec, 0, prefix=PREFIX, rng=rng, strangers_per_token=25.0, beacons=[beacon]
    )
    tokens = set(rec.names)
    strangers = {
        d.address
        for _, d, a in stream
        if not a.service_uuids or "fd6f" in a.service_uuids[0] or a.manufacturer_data
    }
    strangers -= {
        d.address for _, d, a in stream if a.manufacturer_data.get(0x004C, b"")[:2] == b"\x02\x15"
    }
    stranger_count = sum(1 for _, d, _ in stream if d.address in strangers)
    assert stranger_count >= 10_000
    payloads = {
        bytes(v).hex()
        for _, d, a in stream
        if d.address in strangers
        for v in (*a.manufacturer_data.values(), *a.service_data.values())
    }

    settings = PresenceSettings.from_header(layout.header(), beacons=[beacon.beacon_id])
    trace = tmp_path / "gw-1.trace"
    header = {k: v for k, v in layout.header().items() if k in ("gateways", "zones")}

    async def run(items: list[Timed]) -> GatewayPresence:
        scanner = SimulatedBleScanner(_consume(items))
        with TraceWriter(trace, header) as writer:
            presence = GatewayPresence(settings, "gw-1", scanner.now, recorder=writer)
            presence.update_roster(Roster(windows=[0], tokens=sorted(tokens)))
            await scanner.run(presence.on_detection, asyncio.Event())
        return presence

    presence = asyncio.run(run(stream))
    events = presence.drain()
    assert presence.roster.dropped >= 10_000
    assert {e.id for e in events} <= tokens
    assert set(presence.engine.tracked_ids()) <= tokens

    text = trace.read_text(encoding="utf-8")
    for address in strangers:
        assert address not in text
        assert address.replace(":", "").lower() not in text.lower()
    assert not any(p in text for p in payloads if len(p) >= 8)
    with TraceReader(trace) as reader:
        list(reader.chunks())
        assert set(reader.names) <= tokens | {beacon.beacon_id}
        assert reader.receptions == presence.roster.kept

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(address in logged for address in strangers)

    del stream
    gc.collect()
    mine = {id(strangers), id(payloads)}
    for obj in gc.get_objects():
        if id(obj) in mine:
            continue
        if isinstance(obj, BLEDevice):
            assert obj.address not in strangers
        elif isinstance(obj, AdvertisementData):
            assert (
                not obj.manufacturer_data
                or obj.manufacturer_data.get(0x004C, b"")[:2] == b"\x02\x15"
            )
        elif isinstance(obj, dict | set | frozenset | list | tuple | deque):
            values = obj.keys() if isinstance(obj, dict) else obj
            for v in values:
                if type(v) is str and len(v) == 17 and v in strangers:
                    raise AssertionError("a stranger's address is still held in memory")
