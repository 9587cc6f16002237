"""Attacks on the broker: getting in without a valid login, and a valid device login
(a stolen kiosk) reaching past its own topics."""

from __future__ import annotations

import time
import uuid

from paho.mqtt.client import topic_matches_sub

from hub.fleet.acl import device_rules
from protocol.topics import TopicKind
from simulators.attack.arena import Arena, Outcome, broke, held
from simulators.attack.mqtt import Connection
from simulators.attack.registry import probe


def _gets_in(arena: Arena, conn: Connection) -> Outcome:
    if conn.open():
        conn.close()
        return broke("the broker let it in")
    return held(conn.refused)


@probe("broker.anonymous")
def anonymous(arena: Arena) -> Outcome:
    """No user name, no password, no certificate."""
    return _gets_in(arena, Connection(arena.target.broker, "probe-anonymous"))


@probe("broker.wrong_password")
def wrong_password(arena: Arena) -> Outcome:
    """The stolen kiosk's user name and certificate with a guessed password."""
    login = arena.as_stolen(password="guessed-" + uuid.uuid4().hex)
    return _gets_in(arena, Connection(login, "probe-wrong-password"))


@probe("broker.unknown_user")
def unknown_user(arena: Arena) -> Outcome:
    login = arena.as_stolen(username="intruder", password=uuid.uuid4().hex)
    return _gets_in(arena, Connection(login, "probe-unknown-user"))


@probe("broker.password_without_certificate")
def password_without_certificate(arena: Arena) -> Outcome:
    """A device's password read off a config file, without its certificate and key."""
    if not arena.target.broker.tls_ca:
        login = arena.as_stolen()
    else:
        login = arena.as_stolen(tls_cert=None, tls_key=None)
    return _gets_in(arena, Connection(login, "probe-no-certificate"))


def _takeover(arena: Arena, victim_client_id: str, victim_state: str | None) -> Outcome:
    """Connect with the stolen login under another client's id, resuming its session."""
    start = time.time()
    conn = Connection(arena.as_stolen(), victim_client_id, clean_start=False)
    if not conn.open():
        return held(conn.refused)
    try:
        time.sleep(2.0)
        got = [m.topic for m in conn.received]
    finally:
        conn.close()
    if conn.session_present:
        return broke(f"resumed the session of {victim_client_id}")
    if got:
        return broke(f"received {len(got)} messages meant for {victim_client_id}")
    if victim_state is not None:
        for m in arena.watcher.since(start):
            if m.topic == victim_state and b'"online":false' in m.payload.replace(b" ", b""):
                return broke(f"threw {victim_client_id} off the broker")
    return held("the broker kept the login to its own client id")


@probe("broker.take_over_a_device_session")
def take_over_device(arena: Arena) -> Outcome:
    victim = arena.target.victim
    return _takeover(arena, victim, arena.topic(victim, TopicKind.STATE))


@probe("broker.take_over_the_hub_session")
def take_over_hub(arena: Arena) -> Outcome:
    return _takeover(arena, f"hub-{arena.target.store}", arena.store_topic(TopicKind.HUB_STATE))


def _publish(arena: Arena, topic: str, retain: bool = False) -> Outcome:
    """Publish with the stolen login to ``topic``; succeeded if the broker took it (its
    PUBACK said so) or delivered it (the watcher saw it)."""
    marker = f"probe-{uuid.uuid4().hex}".encode()
    start = time.time()
    with arena.connected(arena.as_stolen(), arena.stolen.device) as conn:
        code = conn.publish(topic, b'{"probe":"' + marker + b'"}', retain=retain)
    time.sleep(1.0)
    if arena.watcher.delivered(topic, marker, start):
        return broke(f"delivered on {topic}")
    if code is not None and code < 0x80:  # taken (0x10: taken, nobody listening)
        return broke(f"the broker took it for {topic} (reason {code})")
    return held(f"the broker refused it (reason {code})" if code else "the broker dropped it")


@probe("acl.publish_another_devices_events")
def other_events(arena: Arena) -> Outcome:
    return _publish(arena, arena.topic(arena.target.victim, TopicKind.EVT))


@probe("acl.publish_another_devices_heartbeat")
def other_heartbeat(arena: Arena) -> Outcome:
    return _publish(arena, arena.topic(arena.target.victim, TopicKind.HB))


@probe("acl.publish_another_devices_state")
def other_state(arena: Arena) -> Outcome:
    return _publish(arena, arena.topic(arena.target.victim, TopicKind.STATE), retain=True)


@probe("acl.publish_a_hub_ack")
def hub_ack(arena: Arena) -> Outcome:
    return _publish(arena, arena.topic(arena.target.victim, TopicKind.ACK))


@probe("acl.publish_a_command")
def command(arena: Arena) -> Outcome:
    return _publish(arena, arena.topic(arena.target.victim, TopicKind.CMD))


@probe("acl.publish_the_roster")
def roster(arena: Arena) -> Outcome:
    return _publish(arena, arena.store_topic(TopicKind.ROSTER))


@probe("acl.publish_the_hub_state")
def hub_state(arena: Arena) -> Outcome:
    return _publish(arena, arena.store_topic(TopicKind.HUB_STATE))


@probe("acl.publish_to_another_store")
def other_store(arena: Arena) -> Outcome:
    return _publish(arena, f"instore/v1/elsewhere/{arena.stolen.device}/evt")


def _subscribe(arena: Arena, topic: str, poke: str | None = None) -> Outcome:
    """Subscribe with the stolen login; succeeded if anything arrives that the kiosk may
    not read (the broker grants a subscription and filters each delivery by the ACL).
    With ``poke`` the judge publishes there meanwhile, so there is something to read."""
    may_read = [r.topic for r in device_rules(arena.target.store, arena.stolen.device)
                if r.access == "read"]  # fmt: skip
    marker = f"probe-{uuid.uuid4().hex}".encode()
    with arena.connected(arena.as_stolen(), arena.stolen.device) as conn:
        conn.subscribe(topic)
        if poke is not None:
            with arena.connected(arena.target.misconfigured) as judge:
                judge.publish(poke, marker)
        time.sleep(2.0)
        got = list(conn.received)
    theirs = [m for m in got if not any(topic_matches_sub(f, m.topic) for f in may_read)]
    if theirs:
        return broke(f"read {len(theirs)} messages not meant for it, e.g. on {theirs[0].topic}")
    return held(f"nothing delivered past the ACL ({len(got)} of its own)")


@probe("acl.read_everything")
def read_everything(arena: Arena) -> Outcome:
    return _subscribe(arena, "#", poke=arena.topic(arena.target.victim, TopicKind.ACK))


@probe("acl.read_another_devices_commands")
def read_commands(arena: Arena) -> Outcome:
    victim_cmd = arena.topic(arena.target.victim, TopicKind.CMD)
    return _subscribe(arena, victim_cmd, poke=victim_cmd)


@probe("acl.read_every_devices_events")
def read_events(arena: Arena) -> Outcome:
    return _subscribe(arena, f"instore/v1/{arena.target.store}/+/evt")
