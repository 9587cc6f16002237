"""Withdrawal and erasure across a real Mosquitto: the hub (ingest + consent), edge agents.

The registry flips ingest at once, republishes the roster, and every edge tombstones
the shopper's buffered events and answers the purge; later events of the purpose are
dead-lettered without their data, whenever they were created.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.agent import EdgeAgent
from edge.outbox import Draft
from edge.uplink import UplinkSettings
from hub.consent.system import ConsentSystem
from hub.fleet.broker_config import BrokerSettings
from hub.registry import enrol_device
from hub.service import HubService
from hub.settings import HubHome, HubSettings
from protocol.ble_token import tokens_around
from protocol.enrolment import DeviceIdentity
from protocol.kinds import DeviceKind
from protocol.models import Roster
from protocol.purposes import Purpose
from protocol.sealing import seal, x25519_public_from_text
from protocol.topics import Topic, TopicKind
from simulators.broker import Mosquitto, find_mosquitto
from simulators.net import free_port
from simulators.privacy_audit import run_audit
from tests.broker.conftest import LOGIN, login, password_file

SUBJECT = "ps_" + "w" * 22
WAIT = 10.0


def _have_mosquitto() -> bool:
    try:
        find_mosquitto()
    except Exception:
        return False
    return True


pytestmark = pytest.mark.skipif(not _have_mosquitto(), reason="mosquitto not installed")


@dataclass
class Store:
    home: HubHome
    consent: ConsentSystem
    service: HubService
    agents: dict[str, EdgeAgent]
    port: int

    def retained_roster(self) -> Roster:
        """What a gateway connecting now gets on ``roster`` (retained)."""
        got: list[bytes] = []
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        client.on_message = lambda c, u, msg: got.append(bytes(msg.payload))
        client.username_pw_set(*LOGIN)
        client.connect("127.0.0.1", self.port)
        client.subscribe(str(Topic("demo", TopicKind.ROSTER)), qos=1)
        client.loop_start()
        deadline = time.monotonic() + WAIT
        while not got and time.monotonic() < deadline:
            time.sleep(0.02)
        client.loop_stop()
        client.disconnect()
        return Roster.from_bytes(got[-1])

    def draft(self, device: str, purpose: Purpose, ts: float, marker: str) -> Draft:
        identity = self.agents[device].identity
        event_id = uuid.uuid4()
        kind = "scan.personal" if purpose is Purpose.PERSONAL_RECS else "zone.enter"
        data = seal(
            x25519_public_from_text(identity.hub_seal_key), str(event_id), SUBJECT, {"m": marker}
        )
        receipt = self.consent.registry.record_id(SUBJECT, purpose) or "old-receipt"
        return Draft(kind, ts, data, SUBJECT, str(purpose), receipt, event_id)

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        reg = self.consent.registry
        with reg.lock:
            return reg.db.execute(sql).fetchall()

    def wait_for(self, sql: str, expected: object) -> list[tuple[object, ...]]:
        deadline = time.monotonic() + WAIT
        rows = self.rows(sql)
        while rows != expected and time.monotonic() < deadline:
            time.sleep(0.05)
            rows = self.rows(sql)
        return rows


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    port = free_port()
    broker = Mosquitto(
        BrokerSettings(
            data_dir=tmp_path / "broker", port=port, password_file=password_file(tmp_path)
        )
    )
    broker.start()
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="demo", broker=login(port), consent_broker=login(port)))
    paths = {
        "kiosk-1": enrol_device(home, "kiosk-1", DeviceKind.KIOSK, broker=login(port)),
        "gateway-1": enrol_device(home, "gateway-1", DeviceKind.GATEWAY, broker=login(port)),
    }
    consent = ConsentSystem(home)
    service = HubService(home, consent=consent.check_collected, protect=consent.protector)
    consent.attach(service)
    service.start()
    assert service.wait_connected(WAIT)
    agents = {
        device: EdgeAgent(
            DeviceIdentity.read(path),
            tmp_path / "edge" / device / "outbox.db",
            settings=UplinkSettings(linger_s=0.002, ack_timeout_s=2.0),
        )
        for device, path in paths.items()
    }
    for agent in agents.values():
        agent.start()
        assert agent.uplink.wait_connected(WAIT)
    consent.registry.confirm_age(SUBJECT, 1990, 2026)
    yield Store(home, consent, service, agents, port)
    for agent in agents.values():
        agent.stop()
    service.stop()
    consent.close()
    broker.stop()


def test_withdrawal_purges_every_edge_and_refuses_later_events(store: Store) -> None:
    reg = store.consent.registry
    reg.set_consent(SUBJECT, Purpose.PERSONAL_RECS, True)
    kiosk = store.agents["kiosk-1"]
    kiosk.submit([store.draft("kiosk-1", Purpose.PERSONAL_RECS, time.time(), "before")])
    stored = store.wait_for("SELECT COUNT(*) FROM events WHERE subject IS NOT NULL", [(1,)])
    assert stored == [(1,)]
    (blob,) = store.rows("SELECT data FROM events WHERE subject IS NOT NULL")[0]
    assert isinstance(blob, bytes)
    assert b"before" not in blob  # under the shopper's key, not in clear
    purged: list[list[str]] = []
    store.agents["gateway-1"].on_purge(lambda subjects: purged.append(list(subjects)))

    withdrawn_at = time.time()
    reg.set_consent(SUBJECT, Purpose.PERSONAL_RECS, False)
    propagator = store.consent.propagator
    assert propagator is not None
    job = propagator.wait(SUBJECT, WAIT)
    assert job is not None  # every edge answered the purge
    assert purged == [[SUBJECT]]

    # Created before the withdrawal, sent after it: refused all the same.
    kiosk.submit(
        [
            store.draft("kiosk-1", Purpose.PERSONAL_RECS, withdrawn_at - 5, "late-old"),
            store.draft("kiosk-1", Purpose.PERSONAL_RECS, time.time(), "late-new"),
        ]
    )
    letters = store.wait_for(
        "SELECT reason, COUNT(*) FROM dead_letters GROUP BY reason", [("no consent", 2)]
    )
    assert letters == [("no consent", 2)]
    assert store.rows("SELECT COUNT(*) FROM events WHERE subject IS NOT NULL") == [(1,)]
    detail = store.rows("SELECT detail, hash IS NOT NULL FROM dead_letters")
    assert all(b"late" not in str(d).encode() for d, _ in detail)


def test_presence_roster_and_erasure_end_to_end(store: Store) -> None:
    reg = store.consent.registry
    reg.set_consent(SUBJECT, Purpose.PRESENCE, True)
    key = reg.ble_key(SUBJECT)
    assert key is not None
    tokens = {t.hex() for t in tokens_around(key, time.time(), 1).values()}
    assert set(store.retained_roster().tokens) == tokens
    gateway = store.agents["gateway-1"]
    gateway.submit([store.draft("gateway-1", Purpose.PRESENCE, time.time(), "zone")])
    assert store.wait_for("SELECT COUNT(*) FROM events WHERE subject IS NOT NULL", [(1,)]) == [(1,)]

    report = store.consent.requests.erase(SUBJECT)
    propagator = store.consent.propagator
    assert propagator is not None
    assert propagator.wait(SUBJECT, WAIT) is not None
    assert report.key_destroyed
    assert report.events_cleared == 1
    assert report.last_copy_expires is None  # no backup was ever made: complete now
    assert store.rows("SELECT subject, data FROM events WHERE type = 'zone.enter'") == [
        (None, None)
    ]
    assert store.retained_roster().tokens == []
    assert all(r.ok for r in reg.verify())


def test_privacy_audit_small_run_finds_no_leak(tmp_path: Path) -> None:
    result, detail = run_audit(
        tmp_path / "audit", shoppers=40, withdrawals=12, erasures=3, devices=4, seed=3
    )
    assert result["withdrawals"] == 12
    assert result["leaks"] == 0, detail
    assert result["shredded_readable"] == 0
    assert result["checked"] > 100


def test_purges_go_through_the_hub_client_without_a_channel(store: Store) -> None:
    propagator = store.consent.propagator
    assert propagator is not None
    assert propagator.channel is not None  # the normal path: a connection of its own
    propagator.channel = None
    reg = store.consent.registry
    reg.set_consent(SUBJECT, Purpose.PRESENCE, True)
    reg.set_consent(SUBJECT, Purpose.PRESENCE, False)
    job = propagator.wait(SUBJECT, WAIT)
    assert job is not None
    assert not job.pending
    assert store.retained_roster().tokens == []
