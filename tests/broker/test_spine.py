"""The spine against a real Mosquitto started with the project's config on a free port:
exactly once through SIGKILLs of edge, hub and broker; acks; purges; online state."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from edge.agent import EdgeAgent
from edge.outbox import Draft
from edge.uplink import UplinkSettings
from hub import registry
from hub.service import HubService
from hub.settings import HubHome
from protocol.kinds import DeviceKind
from protocol.models import PurgeSubjects
from simulators.bench.delivery import count_delivery
from simulators.chaos import Chaos
from simulators.fleet import SimStore
from tests.broker.conftest import enrol, eventually

SUBJECT = "ps_" + "q" * 20


def agent_for(home: HubHome, tmp_path: Path, device: str) -> EdgeAgent:
    identity = enrol(home, device, DeviceKind.KIOSK)
    return EdgeAgent(
        identity, tmp_path / device / "outbox.db", settings=UplinkSettings(ack_timeout_s=2.0)
    )


def test_events_reach_the_hub_once_and_leave_the_outbox(home: HubHome, tmp_path: Path) -> None:
    agent = agent_for(home, tmp_path, "k1")
    hub = HubService(home)
    hub.start()
    agent.start()
    try:
        ids = {a.id for a in agent.submit([Draft("scan", time.time(), {"gtin": "1"})] * 1200)}
        eventually(lambda: agent.outbox.depth == 0)
        stored = {r[0] for r in hub.store.db.execute("SELECT id FROM events")}
        assert stored == ids
        eventually(lambda: registry.statuses(hub.store.db, time.time())[0].online)
    finally:
        agent.stop()
        hub.stop()


def test_events_wait_in_the_outbox_while_the_hub_is_down(home: HubHome, tmp_path: Path) -> None:
    agent = agent_for(home, tmp_path, "k1")
    agent.start()
    try:
        agent.submit([Draft("scan", time.time(), {"gtin": "2"})] * 50)
        time.sleep(1.0)
        assert agent.outbox.depth == 50  # sent, but nobody acknowledged them
        hub = HubService(home)
        hub.start()
        try:
            eventually(lambda: agent.outbox.depth == 0)
            assert hub.store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 50
        finally:
            hub.stop()
    finally:
        agent.stop()


def test_a_purge_command_tombstones_buffered_events(home: HubHome, tmp_path: Path) -> None:
    agent = agent_for(home, tmp_path, "k1")
    purged: list[str] = []
    agent.on_purge(purged.extend)
    hub = HubService(home)
    hub.start()
    answers = []
    hub.on_command_ack.append(lambda device, ack: answers.append((device, ack)))
    # Personal events sit in the outbox while the edge is offline ...
    agent.submit(
        [Draft("zone.enter", time.time(), {"sealed": "opaque-marker"}, SUBJECT, "presence", "c1")]
        * 3
    )
    hub.send_command("k1", PurgeSubjects(subjects=[SUBJECT]))
    # ... and the purge, waiting at the broker, reaches it when it connects.
    agent.start()
    try:
        eventually(lambda: bool(answers))
        assert answers[0][1].status == "done"
        assert purged == [SUBJECT]  # once, though the hub may send it more than once
        eventually(lambda: agent.outbox.depth == 0)
        rows = hub.store.db.execute("SELECT type, subject, data FROM events").fetchall()
        dead = hub.store.db.execute("SELECT reason FROM dead_letters").fetchall()
        # Tombstones (or, if sent before the purge, consent refusals): never the data.
        assert all(t == "purged" and s is None and d is None for t, s, d in rows)
        assert len(rows) + len(dead) == 3
        assert b"opaque-marker" not in (tmp_path / "hub" / "hub.db").read_bytes()
    finally:
        agent.stop()
        hub.stop()


def test_exactly_once_through_sigkills_of_edge_hub_and_broker(tmp_path: Path) -> None:
    store = SimStore(tmp_path / "store", kiosks=2, gateways=0)
    chaos = Chaos(store, events=30_000, seed=7)
    try:
        store.setup()
        store.start_hub()
        chaos.run(kills_each=1)
    finally:
        store.stop()
    delivery = count_delivery(chaos.records.values(), store.home.db_path, "bench")
    assert chaos.kills == {"edge": 1, "hub": 1, "broker": 1}
    assert delivery.recorded >= 30_000
    assert (delivery.lost, delivery.duplicated) == (0, 0)


def test_the_will_marks_a_killed_device_offline(home: HubHome, tmp_path: Path) -> None:
    agent = agent_for(home, tmp_path, "k1")
    hub = HubService(home)
    hub.start()
    agent.start()
    try:
        eventually(lambda: registry.statuses(hub.store.db, time.time())[0].online)
        sock = agent.uplink._client.socket()
        assert sock is not None
        sock.close()  # the connection drops without a DISCONNECT
        agent.uplink.stop()
        eventually(lambda: not registry.statuses(hub.store.db, time.time())[0].online, 60)
    finally:
        agent.outbox.close()
        hub.stop()


def test_a_backlog_goes_out_in_full_batches_without_lingering(
    home: HubHome, tmp_path: Path
) -> None:
    # The linger is for light traffic only: a batch cut at max_events goes at once.
    identity = enrol(home, "k1", DeviceKind.KIOSK)
    settings = UplinkSettings(max_events=100, linger_s=20.0)
    agent = EdgeAgent(identity, tmp_path / "k1" / "outbox.db", settings=settings)
    hub = HubService(home)
    hub.start()
    agent.submit([Draft("scan", time.time(), {"gtin": "3"})] * 1000)
    agent.start()
    try:
        eventually(lambda: agent.outbox.depth <= 100, timeout=10)  # only the tail lingers
    finally:
        agent.stop()
        hub.stop()


def test_edge_and_hub_send_small_packets_at_once(home: HubHome, tmp_path: Path) -> None:
    # Nagle's algorithm would hold an ack behind the peer's delayed ACK for 40 ms.
    agent = agent_for(home, tmp_path, "k1")
    hub = HubService(home)
    hub.start()
    agent.start()
    try:
        assert agent.uplink.wait_connected(10)
        assert hub.wait_connected(10)
        for client in (agent.uplink._client, hub._client):
            sock = client.socket()
            assert isinstance(sock, socket.socket)
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        agent.stop()
        hub.stop()
