"""Opted-in shoppers walking a simulated store, as its gateways' radios hear them.

The phones switch presence on at the hub's consent center (so their tokens are on the
hub's roster); their walks among strangers' devices and store beacons are simulated once
(simulators/ble_world.py) and written as each gateway's recorded air; each gateway runs
as ``instore-edge run`` builds it, its radio playing that air (``instore-sim device
--air``)."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import httpx
import numpy as np

from edge.presence.config import PresenceSettings, dump_settings
from edge.presence.frames import IBeacon
from protocol.purposes import Purpose
from simulators.air import write_air
from simulators.ble_scanner import gateway_stream
from simulators.ble_world import (
    Phone,
    RadioModel,
    StoreLayout,
    open_plan_store,
    shopper_walk,
    simulate,
)
from simulators.fleet import SimStore
from simulators.phones import HubPhone, opted_in_phones

BEACONS: Final = (IBeacon("f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, 1, -59),)


def store_layout(gateways: int) -> StoreLayout:
    """Four zones under five gateways (a 2 x 2 floor), named as the store enrols them."""
    plan = open_plan_store(cols=2, rows=2)
    if gateways != len(plan.gateways):
        raise ValueError(f"the walking store has {len(plan.gateways)} gateways")
    return StoreLayout(
        plan.zones, [replace(g, name=f"gateway-{i + 1}") for i, g in enumerate(plan.gateways)]
    )


@dataclass(frozen=True, slots=True)
class Walking:
    phones: list[HubPhone]
    settings: PresenceSettings
    air: dict[str, Path]  # each gateway's recorded air
    starts: float  # when the first shopper walks in (unix seconds)


def walk_in(store: SimStore, *, shoppers: int, seconds: float, seed: int, lead_s: float) -> Walking:
    """Switch ``shoppers`` phones' presence on at ``store``'s hub, simulate them walking
    for ``seconds`` from ``lead_s`` from now, and start every gateway on its air."""
    layout = store_layout(store.gateways)
    verify: str | bool = str(store.https_ca) if store.https else True  # its own certificate
    with httpx.Client(base_url=store.dashboard_url.rstrip("/"), timeout=10, verify=verify) as http:
        phones = opted_in_phones(http, shoppers, [Purpose.PRESENCE])
    settings = PresenceSettings.from_header(layout.header(), beacons=[b.beacon_id for b in BEACONS])
    presence = store.root / "presence.yaml"
    dump_settings(settings, presence)
    rng = np.random.default_rng(seed)
    starts = time.time() + lead_s
    radio = RadioModel()
    walkers = [
        Phone(p.ble_key, rng.uniform(*radio.advert_hz), shopper_walk(rng, layout, starts, seconds))
        for p in phones
        if p.ble_key is not None
    ]
    heard = simulate(layout, radio=radio, phones=walkers, rng=rng)
    prefix = bytes.fromhex(settings.chain_prefix)
    air = {}
    for i, gateway in enumerate(layout.gateways):
        path = store.root / "air" / f"{gateway.name}.air"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_air(path, gateway_stream(heard, i, prefix=prefix, rng=rng, beacons=BEACONS))
        air[gateway.name] = path
        store.start_device(gateway.name, ["--air", str(path), "--presence", str(presence)])
    return Walking(phones, settings, air, starts)


def zone_events(db: Path) -> int:
    """How many zone events the hub has stored."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT COUNT(*) FROM events WHERE type LIKE 'zone.%'").fetchone()
    finally:
        conn.close()
    return int(row[0])
