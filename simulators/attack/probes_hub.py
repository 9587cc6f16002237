"""Attacks on the hub from a stolen kiosk, on the kiosk's own topics (which the ACL
allows): oversize, malformed and forged batches, a batch replayed. The hub must stay up
and store nothing it should not."""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import UTC, datetime

from protocol.models import Event, encode_batch
from protocol.mqtt_properties import signed_publish
from protocol.signing import new_signing_key, private_key_from_text, sign
from protocol.topics import TopicKind
from simulators.attack.arena import Arena, Outcome, broke, held
from simulators.attack.registry import probe

SETTLE_S = 2.0  # for the hub to take or refuse what was sent


def _events(n: int) -> tuple[list[str], list[bytes]]:
    now = datetime.now(UTC)
    events = [
        Event(id=uuid.uuid4(), seq=i + 1, ts=now, type="scan", data={"gtin": "4006381333931"})
        for i in range(n)
    ]
    return [str(e.id) for e in events], [e.model_dump_json().encode() for e in events]


def _send_own(arena: Arena, payload: bytes, sig: str | None) -> int | None:
    topic = arena.topic(arena.stolen.device, TopicKind.EVT)
    props = signed_publish(sig) if sig is not None else None
    with arena.connected(arena.as_stolen(), arena.stolen.device) as conn:
        return conn.publish(topic, payload, properties=props)


def _judge(arena: Arena, ids: list[str], allowed: int = 0) -> Outcome:
    time.sleep(SETTLE_S)
    if not arena.hub_alive():
        return broke("the hub stopped answering")
    stored = arena.stored(ids) if ids else 0
    if stored > allowed:
        return broke(f"the hub stored {stored} of its events")
    return held("the hub stayed up and stored nothing of it")


def _batch(arena: Arena, events: list[bytes], device: str | None = None) -> bytes:
    who = device or arena.stolen.device
    return encode_batch(arena.target.store, who, uuid.uuid4().hex, events)


@probe("payload.oversize_batch")
def oversize(arena: Arena) -> Outcome:
    ids, events = _events(1)
    padding = [b'{"pad":"' + b"x" * (2 * 1024 * 1024) + b'"}']
    payload = _batch(arena, events + padding)
    with contextlib.suppress(ConnectionRefusedError):  # the broker may cut it off: a refusal
        _send_own(arena, payload, sign(private_key_from_text(arena.stolen.signing_key), payload))
    return _judge(arena, ids)


@probe("payload.malformed_batch")
def malformed(arena: Arena) -> Outcome:
    payload = b'{"v":2,"store":' + b"\xff\xfe" * 64
    _send_own(arena, payload, sign(private_key_from_text(arena.stolen.signing_key), payload))
    return _judge(arena, [])


@probe("payload.deeply_nested_json")
def nested(arena: Arena) -> Outcome:
    payload = b"[" * 200_000 + b"]" * 200_000
    _send_own(arena, payload, sign(private_key_from_text(arena.stolen.signing_key), payload))
    return _judge(arena, [])


@probe("forged.batch_signed_by_another_key")
def foreign_batch(arena: Arena) -> Outcome:
    ids, events = _events(3)
    payload = _batch(arena, events)
    _send_own(arena, payload, sign(new_signing_key(), payload))
    return _judge(arena, ids)


@probe("forged.batch_unsigned")
def unsigned_batch(arena: Arena) -> Outcome:
    ids, events = _events(3)
    _send_own(arena, _batch(arena, events), None)
    return _judge(arena, ids)


@probe("forged.batch_in_another_devices_name")
def impersonated(arena: Arena) -> Outcome:
    """Events claiming to come from the victim kiosk, on the stolen kiosk's topic and
    signed with the stolen kiosk's key."""
    ids, events = _events(3)
    payload = _batch(arena, events, device=arena.target.victim)
    _send_own(arena, payload, sign(private_key_from_text(arena.stolen.signing_key), payload))
    return _judge(arena, ids)


@probe("replayed.batch")
def replayed(arena: Arena) -> Outcome:
    """A batch the hub took, sent again: its events must be stored once."""
    ids, events = _events(3)
    payload = _batch(arena, events)
    sig = sign(private_key_from_text(arena.stolen.signing_key), payload)
    _send_own(arena, payload, sig)
    time.sleep(SETTLE_S)
    first = arena.stored(ids)
    if first != len(ids):  # the control: a true batch from the kiosk is taken
        raise RuntimeError(f"the hub took {first} of {len(ids)} events of a true batch")
    _send_own(arena, payload, sig)
    outcome = _judge(arena, ids, allowed=first)
    if outcome.succeeded:
        return outcome
    return held(f"its {first} events stored once, not again")
