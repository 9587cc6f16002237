"""The wire contract: topics, events, batches, signatures, sealing, schema versions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from protocol.errors import SealError, SignatureError, TopicError, WireFormatError
from protocol.ids import uuid7, uuid7_texts, uuid7_unix_ms
from protocol.models import (
    SCHEMA_VERSION,
    Ack,
    Batch,
    BatchHeader,
    Command,
    Event,
    PurgeSubjects,
    decode_event,
    encode_batch,
)
from protocol.sealing import open_sealed, seal
from protocol.signing import new_signing_key, public_key_from_text, public_key_to_text, sign, verify
from protocol.topics import Topic, TopicKind, subscription

ids = st.from_regex(r"[a-z0-9-]{1,40}", fullmatch=True).filter(lambda s: s != "hub")
STREAM = "0" * 32


@given(store=ids, device=ids, kind=st.sampled_from(["evt", "ack", "state", "hb", "cmd", "cmdack"]))
def test_device_topics_round_trip(store: str, device: str, kind: str) -> None:
    topic = Topic.device_topic(store, device, TopicKind(kind))
    assert Topic.parse(str(topic)) == topic


@pytest.mark.parametrize(
    "bad",
    [
        "instore/v1/s1/hub/evt",  # reserved device id
        "instore/v1/S1/k1/evt",  # upper case store
        "instore/v2/s1/k1/evt",
        "instore/v1/s1/k1/nope",
        "instore/v1/s1",
        "other/v1/s1/k1/evt",
        "instore/v1/s1/" + "k" * 41 + "/evt",
    ],
)
def test_bad_topics_are_refused(bad: str) -> None:
    with pytest.raises(TopicError):
        Topic.parse(bad)


def test_store_wide_topics() -> None:
    assert str(Topic("s1", TopicKind.ROSTER)) == "instore/v1/s1/roster"
    assert Topic.parse("instore/v1/s1/hub/state") == Topic("s1", TopicKind.HUB_STATE)
    assert subscription("s1", TopicKind.EVT) == "instore/v1/s1/+/evt"


def test_uuid7_is_version_7_and_carries_its_time() -> None:
    value = uuid7(1_700_000_000_123)
    assert value.version == 7
    assert uuid7_unix_ms(value) == 1_700_000_000_123
    texts = uuid7_texts(1_700_000_000_123, 50)
    assert len(set(texts)) == 50
    assert all(uuid.UUID(t).version == 7 for t in texts)
    assert all(uuid7_unix_ms(uuid.UUID(t)) == 1_700_000_000_123 for t in texts)


event_data = st.dictionaries(
    st.text(min_size=1, max_size=10),
    st.one_of(st.integers(-(2**53), 2**53), st.text(max_size=20), st.booleans(), st.none()),
    max_size=5,
)


@given(seq=st.integers(1, 2**62), data=event_data, ms=st.integers(0, 4_000_000_000_000))
def test_event_round_trips_through_a_batch(seq: int, data: dict[str, object], ms: int) -> None:
    ts = datetime.fromtimestamp(ms / 1000, tz=UTC)
    event = Event(id=uuid7(), seq=seq, ts=ts, type="scan", data=data)
    payload = encode_batch("s1", "k1", STREAM, [event.model_dump_json().encode()])
    batch = Batch.model_validate_json(payload)
    assert batch.events == [event]
    assert batch.v == SCHEMA_VERSION


def test_personal_events_need_subject_purpose_consent_and_sealed_data() -> None:
    base = {"id": str(uuid7()), "seq": 1, "ts": "2026-11-23T12:00:00.000Z", "type": "zone.enter"}
    with pytest.raises(WireFormatError, match="needs a subject"):
        decode_event(base | {"data": {"zone": "dairy"}})
    personal = base | {"subject": "ps_" + "a" * 20, "purpose": "presence", "consent": "c1"}
    with pytest.raises(WireFormatError, match="sealed"):
        decode_event(personal | {"data": {"zone": "dairy"}})
    with pytest.raises(WireFormatError, match="cannot be collected for"):
        decode_event(personal | {"purpose": "pickup_offers", "data": {"sealed": "x"}})
    assert decode_event(personal | {"data": {"sealed": "x"}}).subject == "ps_" + "a" * 20


def test_an_anonymous_event_takes_no_identifier() -> None:
    raw = {"id": str(uuid7()), "seq": 1, "ts": "2026-11-23T12:00:00.000Z", "type": "scan"}
    with pytest.raises(WireFormatError, match="anonymous"):
        decode_event(raw | {"subject": "ps_" + "b" * 20})
    with pytest.raises(WireFormatError):
        decode_event(raw | {"subject": "aa:bb:cc:dd:ee:ff"})  # never a MAC


def test_tombstones_carry_nothing_personal() -> None:
    raw = {"id": str(uuid7()), "seq": 3, "ts": "2026-11-23T12:00:00.000Z", "type": "purged"}
    assert decode_event(raw).data is None
    with pytest.raises(WireFormatError, match="tombstone"):
        decode_event(raw | {"data": {"zone": "x"}})


def test_schema_v1_is_still_accepted_and_upgraded() -> None:
    header = BatchHeader.model_validate({"v": 1, "store": "s1", "device": "k1", "stream": STREAM})
    assert header.v == SCHEMA_VERSION - 1
    raw = {"id": str(uuid7()), "seq": 1, "ts": 1_795_435_200_000, "type": "scan"}
    event = decode_event(raw, v=1)
    assert event.ts == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    with pytest.raises(WireFormatError):
        decode_event(raw, v=2)  # v2 wants RFC 3339
    with pytest.raises(ValueError, match="not accepted"):
        BatchHeader.model_validate({"v": 0, "store": "s1", "device": "k1", "stream": STREAM})


def test_signatures_cover_the_exact_bytes() -> None:
    key = new_signing_key()
    public = public_key_from_text(public_key_to_text(key.public_key()))
    payload = b'{"v":2}'
    sig = sign(key, payload)
    verify(public, payload, sig)
    with pytest.raises(SignatureError):
        verify(public, payload + b" ", sig)
    with pytest.raises(SignatureError):
        verify(
            public_key_from_text(public_key_to_text(new_signing_key().public_key())), payload, sig
        )
    with pytest.raises(SignatureError, match="missing"):
        verify(public, payload, None)


def test_sealed_data_opens_only_for_its_event_and_hub() -> None:
    hub = X25519PrivateKey.generate()
    sealed = seal(hub.public_key(), "e1", "ps_x", {"zone": "dairy"})
    assert "dairy" not in orjson.dumps(sealed).decode()
    assert open_sealed(hub, "e1", "ps_x", sealed["sealed"]) == {"zone": "dairy"}
    with pytest.raises(SealError):
        open_sealed(hub, "e2", "ps_x", sealed["sealed"])
    with pytest.raises(SealError):
        open_sealed(X25519PrivateKey.generate(), "e1", "ps_x", sealed["sealed"])


def test_commands_and_acks_round_trip() -> None:
    cmd = Command(id=uuid.uuid4(), body=PurgeSubjects(subjects=["ps_" + "c" * 20]))
    assert Command.from_bytes(cmd.to_bytes()) == cmd
    ack = Ack(stream=STREAM, through_seq=7)
    assert Ack.from_bytes(ack.to_bytes()) == ack
    with pytest.raises(WireFormatError):
        Ack.from_bytes(b"{not json")
