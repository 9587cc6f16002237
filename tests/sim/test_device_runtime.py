"""A gateway and a kiosk put together as `instore-edge run` does: zone events of roster
shoppers (and only theirs) and scans reach the outbox, personal data sealed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import orjson
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from domain.catalog.products import Catalog
from edge.agent import EdgeAgent
from edge.kiosk.device import build_kiosk
from edge.presence.config import PresenceSettings
from edge.presence.device import GatewayRuntime
from edge.presence.live import GatewayPresence
from protocol.enrolment import DeviceIdentity
from protocol.kinds import DeviceKind
from protocol.models import Roster, RosterEntry, Sightings, decode_event
from protocol.sealing import open_sealed, x25519_public_to_text
from protocol.signing import new_signing_key, private_key_to_text
from simulators.air import Timed
from simulators.ble_scanner import SimulatedBleScanner, gateway_stream
from simulators.ble_world import (
    RadioModel,
    make_phones,
    open_plan_store,
    simulate,
)
from simulators.catalog import demo_catalog

PREFIX = bytes.fromhex("696e73746f726501")
START = 1_767_225_600.0
SHOPPER = "ps_" + "r" * 22


def identity(kind: DeviceKind, hub: X25519PrivateKey) -> DeviceIdentity:
    return DeviceIdentity(
        store="s1",
        device="dev-1",
        kind=kind,
        signing_key=private_key_to_text(new_signing_key()),
        hub_seal_key=x25519_public_to_text(hub.public_key()),
    )


def outbox_events(agent: EdgeAgent) -> list[dict[str, object]]:
    return [orjson.loads(body) for _, body in agent.outbox.read(0, 10_000, 1 << 30)]


def _consume(items: list[Timed]) -> Iterator[Timed]:
    items.reverse()
    while items:
        yield items.pop()


def test_gateway_sends_zone_events_only_for_roster_entries(tmp_path: Path) -> None:
    hub = X25519PrivateKey.generate()
    rng = np.random.default_rng(5)
    layout = open_plan_store()
    radio = RadioModel()
    phones = make_phones(rng, layout=layout, radio=radio, count=2, duration=240.0, start=START)
    rec = simulate(layout, radio=radio, phones=phones, rng=rng)
    stream = gateway_stream(rec, 0, prefix=PREFIX, rng=rng, strangers_per_token=1.0)
    mine, other = sorted(rec.names)[:2]
    settings = PresenceSettings.from_header(layout.header())
    agent = EdgeAgent(identity(DeviceKind.GATEWAY, hub), tmp_path / "outbox.db")

    async def run() -> GatewayRuntime:
        scanner = SimulatedBleScanner(_consume(stream))
        presence = GatewayPresence(settings, next(iter(settings.gateways)), scanner.now)
        runtime = GatewayRuntime(agent, presence, leader=True)
        # Both phones are on the roster, but only one token names a shopper with consent.
        runtime.on_roster(
            Roster(
                windows=[0],
                tokens=[mine, other],
                entries={mine: RosterEntry(subject=SHOPPER, consent="rcpt-1")},
            )
        )
        await scanner.run(presence.on_detection, asyncio.Event())
        runtime.pump_once()
        return runtime

    asyncio.run(run())
    events = [decode_event(e) for e in outbox_events(agent)]
    assert events, "the shopper walked the store: some zone event was expected"
    assert {e.subject for e in events} == {SHOPPER}
    assert {e.type for e in events} <= {"zone.enter", "zone.exit", "zone.dwell"}
    first = events[0]
    assert first.data is not None
    opened = open_sealed(hub, str(first.id), SHOPPER, str(first.data["sealed"]))
    assert isinstance(opened, dict)
    assert opened["zone"] in settings.zones
    agent.outbox.close()


def test_a_kiosk_scan_lands_in_the_outbox_anonymous(tmp_path: Path) -> None:
    hub = X25519PrivateKey.generate()
    agent = EdgeAgent(identity(DeviceKind.KIOSK, hub), tmp_path / "outbox.db")
    products = demo_catalog()
    app = build_kiosk(agent, Catalog(products))

    async def scan() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as client:
            # A handheld scanner types the EAN-13 printed on the pack.
            answer = await client.post("/api/code", json={"text": products[0].gtin[-13:]})
            return answer.status_code

    assert asyncio.run(scan()) == 200
    events = [decode_event(e) for e in outbox_events(agent)]
    assert [e.type for e in events] == ["scan"]
    assert events[0].subject is None
    assert events[0].data is not None
    assert events[0].data["known"] is True
    agent.outbox.close()


def test_gateways_share_sightings_and_only_the_leader_sends_events(tmp_path: Path) -> None:
    hub = X25519PrivateKey.generate()
    rng = np.random.default_rng(9)
    layout = open_plan_store()
    radio = RadioModel()
    phones = make_phones(rng, layout=layout, radio=radio, count=1, duration=180.0, start=START)
    rec = simulate(layout, radio=radio, phones=phones, rng=rng)
    settings = PresenceSettings.from_header(layout.header())
    names = sorted(settings.gateways)
    token = sorted(rec.names)[0]
    roster = Roster(
        windows=[0], tokens=[token], entries={token: RosterEntry(subject=SHOPPER, consent="r")}
    )
    runtimes = []
    for i, name in enumerate(names[:2]):
        agent = EdgeAgent(identity(DeviceKind.GATEWAY, hub), tmp_path / f"{name}.db")
        stream = gateway_stream(rec, i, prefix=PREFIX, rng=rng, strangers_per_token=0.0)
        scanner = SimulatedBleScanner(_consume(stream))
        presence = GatewayPresence(settings, name, scanner.now)
        runtime = GatewayRuntime(agent, presence, leader=i == 0)
        runtime.on_roster(roster)
        runtimes.append((runtime, scanner))
        asyncio.run(_scan(scanner, presence))
    leader, follower = runtimes[0][0], runtimes[1][0]
    # What the follower kept reaches the leader as the uplink would carry it.
    shared = follower.presence.take_outgoing()
    assert shared
    assert {token} == {t for _, t, _ in shared}
    leader.on_sightings(names[1], Sightings(items=shared))
    follower.presence.take_outgoing()
    leader.presence.take_outgoing()
    assert follower.pump_once() == 0
    assert leader.pump_once() > 0
    for runtime, _ in runtimes:
        runtime.agent.outbox.close()


async def _scan(scanner: SimulatedBleScanner, presence: GatewayPresence) -> None:
    await scanner.run(presence.on_detection, asyncio.Event())
