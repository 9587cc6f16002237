"""Everything the hub tells a device is signed, and the device checks it itself: on a
broker without an ACL, a stranger's forged, unsigned, expired or replayed messages are
refused and counted, and the hub's own are taken once."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.agent import EdgeAgent
from edge.outbox import Draft
from edge.uplink import UplinkSettings
from hub.settings import HubHome
from protocol.envelope import Signer
from protocol.kinds import DeviceKind
from protocol.models import Ack, Command, PurgeSubjects, Roster
from protocol.mqtt_properties import hub_signed
from protocol.signing import new_signing_key
from protocol.topics import Topic, TopicKind
from tests.broker.conftest import LOGIN, enrol, eventually

SUBJECT = "ps_" + "s" * 20


def stranger(port: int) -> mqtt.Client:
    """Someone with a valid login on a broker whose ACL lets it write anywhere."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id="stranger", protocol=mqtt.MQTTv5
    )
    client.username_pw_set(*LOGIN)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def personal_events(agent: EdgeAgent, n: int) -> None:
    draft = Draft("zone.enter", time.time(), {"zone": "dairy"}, SUBJECT, "presence", "c1")
    agent.submit([draft] * n)


def test_forged_and_stale_hub_messages_are_refused_and_counted(
    home: HubHome, tmp_path: Path
) -> None:
    identity = enrol(home, "gw-1", DeviceKind.GATEWAY)
    rosters: list[Roster] = []
    purged: list[str] = []
    agent = EdgeAgent(
        identity,
        tmp_path / "outbox.db",
        settings=UplinkSettings(ack_timeout_s=60.0),
        on_roster=rosters.append,
    )
    agent.on_purge(purged.extend)
    personal_events(agent, 5)  # nobody acks them: no hub runs in this test
    agent.start()
    assert agent.uplink.wait_connected(10)
    port = home.settings().broker.port
    attacker = stranger(port)
    store, cmd = identity.store, str(Topic.device_topic(identity.store, "gw-1", TopicKind.CMD))
    ack_topic = str(Topic.device_topic(store, "gw-1", TopicKind.ACK))
    roster_topic = str(Topic(store, TopicKind.ROSTER))
    hub, other = home.signer(), Signer((new_signing_key(),))
    now = time.time()
    purge = PurgeSubjects(subjects=[SUBJECT])
    try:
        # An unsigned purge, a purge signed by a stranger's key, an expired hub purge.
        unsigned = Command.issue(uuid.uuid4(), "gw-1", purge, now).to_bytes()
        attacker.publish(cmd, unsigned, qos=1).wait_for_publish(5)
        wrong = Command.issue(uuid.uuid4(), "gw-1", purge, now).to_bytes()
        attacker.publish(cmd, wrong, 1, properties=hub_signed(other.signatures(wrong)))
        expired = Command.issue(uuid.uuid4(), "gw-1", purge, now - 7200).to_bytes()
        attacker.publish(cmd, expired, 1, properties=hub_signed(hub.signatures(expired)))
        # The hub's own purge for another device, published to this one.
        elsewhere = Command.issue(uuid.uuid4(), "gw-2", purge, now).to_bytes()
        attacker.publish(cmd, elsewhere, 1, properties=hub_signed(hub.signatures(elsewhere)))
        # A forged ack of everything: the events must stay in the outbox.
        ack = Ack(stream=agent.outbox.stream, through_seq=5).to_bytes()
        attacker.publish(ack_topic, ack, qos=1)
        eventually(lambda: sum(agent.uplink.refusals.values()) >= 5)
        assert agent.uplink.refusals == {
            "unsigned": 2,
            "unknown_key": 1,
            "expired": 1,
            "misaddressed": 1,
        }
        assert purged == []
        assert agent.outbox.depth == 5

        # The hub's roster is taken; an older one, validly signed, is then refused.
        def roster(version: int) -> bytes:
            return Roster(
                version=version, issued=now, expires=now + 600, windows=[1], tokens=[]
            ).to_bytes()

        newer, older = roster(200), roster(100)
        attacker.publish(roster_topic, newer, 1, properties=hub_signed(hub.signatures(newer)))
        eventually(lambda: len(rosters) == 1)
        attacker.publish(roster_topic, older, 1, properties=hub_signed(hub.signatures(older)))
        eventually(lambda: agent.uplink.refusals.get("stale") == 1)
        assert [r.version for r in rosters] == [200]

        # The hub's purge, delivered twice (a resend), runs once.
        good = Command.issue(uuid.uuid4(), "gw-1", purge, time.time()).to_bytes()
        for _ in range(2):
            attacker.publish(cmd, good, 1, properties=hub_signed(hub.signatures(good)))
        eventually(lambda: purged == [SUBJECT])
        time.sleep(0.5)
        assert purged == [SUBJECT]
    finally:
        attacker.loop_stop()
        attacker.disconnect()
        agent.stop()
    # The refused roster version stays refused after a restart.
    again = EdgeAgent(identity, tmp_path / "outbox.db", on_roster=rosters.append)
    assert again.uplink._roster_version == 200
    again.stop()
