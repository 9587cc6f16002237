"""Attacks on devices through a broker whose ACL is wrong: forged, tampered, expired,
stale, misaddressed and replayed commands, rosters and acks. A device must refuse each
by itself and say so in its heartbeat."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable

from paho.mqtt.properties import Properties

from protocol.envelope import Signer, key_id
from protocol.models import Ack, Roster
from protocol.mqtt_properties import hub_signed
from protocol.signing import SIG_PROPERTY, new_signing_key
from protocol.topics import TopicKind
from simulators.attack.arena import Arena, Outcome
from simulators.attack.mqtt import Connection
from simulators.attack.registry import probe

HOUR_S = 3600.0


def _send(topic: str, payload: bytes, props: Properties | None) -> Callable[[Connection], None]:
    def send(conn: Connection) -> None:
        conn.publish(topic, payload, properties=props)

    return send


def _stranger() -> Signer:
    return Signer((new_signing_key(),))


def _command(
    arena: Arena, reason: str, payload: bytes, props: Properties | None, *, answer: uuid.UUID
) -> Outcome:
    """Send a command to the victim kiosk: held if it refuses it for ``reason``."""
    device = arena.target.victim
    send = _send(arena.topic(device, TopicKind.CMD), payload, props)
    return arena.refused_by(device, reason, send, answer=str(answer))


@probe("forged.command_unsigned")
def command_unsigned(arena: Arena) -> Outcome:
    cmd = arena.purge_for(arena.target.victim, time.time())
    return _command(arena, "unsigned", cmd.to_bytes(), None, answer=cmd.id)


@probe("forged.command_signed_by_another_key")
def command_foreign(arena: Arena) -> Outcome:
    cmd = arena.purge_for(arena.target.victim, time.time())
    payload = cmd.to_bytes()
    props = hub_signed(_stranger().signatures(payload))
    return _command(arena, "unknown_key", payload, props, answer=cmd.id)


@probe("forged.command_with_the_hubs_key_id")
def command_bad_signature(arena: Arena) -> Outcome:
    """The hub's key id with a signature the attacker made up."""
    cmd = arena.purge_for(arena.target.victim, time.time())
    kid = key_id(arena.hub_keys.keys[0].public_key())
    made_up = base64.b64encode(uuid.uuid4().bytes * 4).decode()
    props = hub_signed([(SIG_PROPERTY, f"{kid}:{made_up}")])
    return _command(arena, "bad_signature", cmd.to_bytes(), props, answer=cmd.id)


@probe("forged.command_tampered")
def command_tampered(arena: Arena) -> Outcome:
    """A command the hub signed, its subject changed afterwards."""
    cmd = arena.purge_for(arena.target.victim, time.time())
    payload = cmd.to_bytes()
    props = arena.signed(payload)
    tampered = payload.replace(arena.subject.encode(), ("ps_" + "b" * 22).encode())
    return _command(arena, "bad_signature", tampered, props, answer=cmd.id)


@probe("expired.command")
def command_expired(arena: Arena) -> Outcome:
    cmd = arena.purge_for(arena.target.victim, time.time() - 2 * HOUR_S)
    payload = cmd.to_bytes()
    return _command(arena, "expired", payload, arena.signed(payload), answer=cmd.id)


@probe("stale.command_with_a_far_expiry")
def command_stale(arena: Arena) -> Outcome:
    """Signed by the hub's key two hours ago, claiming to last a day."""
    now = time.time()
    cmd = arena.purge_for(arena.target.victim, now - 2 * HOUR_S, expires=now + 24 * HOUR_S)
    payload = cmd.to_bytes()
    return _command(arena, "stale", payload, arena.signed(payload), answer=cmd.id)


@probe("forged.command_from_the_future")
def command_future(arena: Arena) -> Outcome:
    cmd = arena.purge_for(arena.target.victim, time.time() + HOUR_S)
    payload = cmd.to_bytes()
    return _command(arena, "future", payload, arena.signed(payload), answer=cmd.id)


@probe("replayed.command_to_another_device")
def command_elsewhere(arena: Arena) -> Outcome:
    """A command the hub signed for the gateway, replayed to the kiosk."""
    cmd = arena.purge_for(arena.target.gateway, time.time())
    payload = cmd.to_bytes()
    return _command(arena, "misaddressed", payload, arena.signed(payload), answer=cmd.id)


@probe("forged.ack_unsigned")
def ack_unsigned(arena: Arena) -> Outcome:
    """An ack of everything, so the device would drop events the hub never stored."""
    victim = arena.target.victim
    ack = Ack(stream=uuid.uuid4().hex, through_seq=10**9).to_bytes()
    return arena.refused_by(
        victim, "unsigned", _send(arena.topic(victim, TopicKind.ACK), ack, None)
    )


def _roster(version: int, now: float, ttl: float = 600.0) -> Roster:
    return Roster(version=version, issued=now, expires=now + ttl, windows=[1], tokens=[])


def _to_gateway(arena: Arena, reason: str, payload: bytes, props: Properties | None) -> Outcome:
    topic = arena.store_topic(TopicKind.ROSTER)
    # Not retained: a refused roster must not stay on the broker for devices yet to come.
    return arena.refused_by(arena.target.gateway, reason, _send(topic, payload, props))


@probe("forged.roster_unsigned")
def roster_unsigned(arena: Arena) -> Outcome:
    return _to_gateway(arena, "unsigned", _roster(10**6, time.time()).to_bytes(), None)


@probe("forged.roster_signed_by_another_key")
def roster_foreign(arena: Arena) -> Outcome:
    payload = _roster(10**6, time.time()).to_bytes()
    return _to_gateway(arena, "unknown_key", payload, hub_signed(_stranger().signatures(payload)))


@probe("forged.roster_tampered")
def roster_tampered(arena: Arena) -> Outcome:
    """The hub's roster with a token of the attacker's added."""
    payload, _ = _newer_roster(arena, _current_roster(arena))
    props = arena.signed(payload)
    tampered = payload.replace(b'"tokens":[', b'"tokens":["' + b"A" * 22 + b'",', 1)
    return _to_gateway(arena, "bad_signature", tampered, props)


@probe("expired.roster")
def roster_expired(arena: Arena) -> Outcome:
    payload = _roster(10**6, time.time() - 2 * HOUR_S).to_bytes()
    return _to_gateway(arena, "expired", payload, arena.signed(payload))


@probe("replayed.roster_older_version")
def roster_replayed(arena: Arena) -> Outcome:
    """The roster as it was before a newer one, replayed with its own true signatures:
    it would bring back the tokens of shoppers who have withdrawn since."""
    older = _newer_roster(arena, _current_roster(arena))
    _newer_roster(arena, older)
    time.sleep(2.0)  # the gateway takes the newer one
    return _to_gateway(arena, "stale", older[0], hub_signed(older[1]))


Captured = tuple[bytes, list[tuple[str, str]]]


def _newer_roster(arena: Arena, than: Captured | None) -> Captured:
    """Make the hub publish a new roster (a shopper opts in to presence) and return it."""
    with arena.browser() as shopper:
        shopper.get("/s/")
        shopper.post("/s/age", data={"birth_year": "1990"})
        shopper.post("/s/consent/presence", data={"on": "1"})
    ends = time.monotonic() + 10
    while time.monotonic() < ends:
        newer = _current_roster(arena)
        if newer is not None and (than is None or newer[0] != than[0]):
            return newer
        time.sleep(0.2)
    raise TimeoutError("the hub published no new roster after a shopper opted in")


def _current_roster(arena: Arena) -> Captured | None:
    """The retained roster and its signatures, read as a fresh subscriber."""
    with arena.connected(arena.target.misconfigured) as conn:
        conn.subscribe(arena.store_topic(TopicKind.ROSTER))
        ends = time.monotonic() + 2
        while not conn.received and time.monotonic() < ends:
            time.sleep(0.05)
        got = list(conn.received)
    return (got[-1].payload, list(got[-1].user_properties)) if got else None
