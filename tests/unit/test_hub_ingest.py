"""Hub ingest: exactly once by (device, stream, seq), settled seqs, dead letters for
everything invalid, and never a crash on input."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ingest import BatchChecker, event_digest
from hub.registry import enrol_device
from hub.settings import HubHome, HubSettings
from hub.storage import SqliteEventStore
from protocol.enrolment import DeviceIdentity
from protocol.ids import uuid7
from protocol.kinds import DeviceKind
from protocol.models import encode_batch
from protocol.signing import new_signing_key, private_key_from_text, sign

STREAM = "ab" * 16
TOPIC = "instore/v1/s1/k1/evt"
SUBJECT = "ps_" + "s" * 20


class Hub:
    def __init__(
        self, root: Path, consent: Callable[[str, str, float], bool] = lambda s, p, t: False
    ):
        home = HubHome(root)
        home.init(HubSettings(store="s1"))
        self.identity = DeviceIdentity.read(enrol_device(home, "k1", DeviceKind.KIOSK))
        self.key = private_key_from_text(self.identity.signing_key)
        self.store = SqliteEventStore(home.db_path)
        self.checker = BatchChecker(self.store, consent)

    def event(self, seq: int, **extra: Any) -> dict[str, Any]:
        return {
            "id": str(uuid7()),
            "seq": seq,
            "ts": "2026-11-23T12:00:00.000Z",
            "type": "scan",
            "purpose": None,
            "subject": None,
            "consent": None,
            "data": {"gtin": "1"},
        } | extra

    def payload(self, events: list[dict[str, Any]], stream: str = STREAM) -> bytes:
        return encode_batch("s1", "k1", stream, [orjson.dumps(e) for e in events])

    def send(self, payload: bytes, sig: str | None = None, topic: str = TOPIC) -> int | None:
        checked = self.checker.check(
            topic, payload, sig if sig is not None else sign(self.key, payload)
        )
        result = self.store.commit_group([checked])
        return result.acks.get(("k1", STREAM))

    def count(self, sql: str) -> int:
        return int(self.store.db.execute(sql).fetchone()[0])

    def reasons(self) -> list[str]:
        return [r[0] for r in self.store.db.execute("SELECT reason FROM dead_letters ORDER BY n")]


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return Hub(tmp_path / "hub")


def test_ack_only_after_every_lower_seq_is_settled(hub: Hub) -> None:
    assert hub.send(hub.payload([hub.event(1), hub.event(2)])) == 2
    assert hub.send(hub.payload([hub.event(4)])) == 2  # 3 is missing: no further ack
    assert hub.send(hub.payload([hub.event(3)])) == 4
    assert hub.count("SELECT COUNT(*) FROM events") == 4


def test_a_resend_is_acked_again_and_stored_once(hub: Hub) -> None:
    payload = hub.payload([hub.event(1), hub.event(2)])
    assert hub.send(payload) == 2
    assert hub.send(payload) == 2
    assert hub.count("SELECT COUNT(*) FROM events") == 2
    assert hub.reasons() == []


def test_same_key_different_content_is_a_conflict(hub: Hub) -> None:
    hub.send(hub.payload([hub.event(1)]))
    assert hub.send(hub.payload([hub.event(1)])) == 1  # a new id under the same seq
    assert hub.reasons() == ["conflict"]
    assert hub.count("SELECT COUNT(*) FROM events") == 1


def test_a_tombstone_after_the_event_is_no_conflict(hub: Hub) -> None:
    first = hub.event(1)
    hub.send(hub.payload([first]))
    tomb = {
        "id": first["id"],
        "seq": 1,
        "ts": first["ts"],
        "type": "purged",
        "purpose": None,
        "subject": None,
        "consent": None,
        "data": None,
    }
    assert hub.send(hub.payload([tomb])) == 1
    assert hub.reasons() == []


def test_the_frontier_survives_a_restart(hub: Hub, tmp_path: Path) -> None:
    hub.send(hub.payload([hub.event(1), hub.event(3)]))
    hub.store.close()
    again = SqliteEventStore(tmp_path / "hub" / "hub.db")
    checker = BatchChecker(again, lambda s, p, t: False)
    payload = hub.payload([hub.event(2)])
    result = again.commit_group([checker.check(TOPIC, payload, sign(hub.key, payload))])
    assert result.acks[("k1", STREAM)] == 3


def test_bad_signature_is_dead_lettered_and_settles_nothing(hub: Hub) -> None:
    payload = hub.payload([hub.event(1)])
    assert hub.send(payload, sig=sign(new_signing_key(), payload)) is None
    assert hub.reasons() == ["bad signature"]
    assert hub.send(payload) == 1  # the real device's batch is still accepted


def test_invalid_events_are_dead_lettered_one_by_one_and_settle(hub: Hub) -> None:
    events = [hub.event(1), hub.event(2, type="no.such.type"), hub.event(3, subject="aa:bb")]
    assert hub.send(hub.payload(events)) == 3
    assert hub.reasons() == ["bad event", "bad event"]
    assert hub.count("SELECT COUNT(*) FROM events") == 1


def test_personal_events_without_consent_keep_nothing(hub: Hub) -> None:
    event = hub.event(
        1,
        type="zone.enter",
        subject=SUBJECT,
        purpose="presence",
        consent="c1",
        data={"sealed": "secret-marker"},
    )
    assert hub.send(hub.payload([event])) == 1
    assert hub.reasons() == ["no consent"]
    dump = b"".join(
        str(list(r)).encode() for r in hub.store.db.execute("SELECT * FROM dead_letters")
    )
    assert b"secret-marker" not in dump
    assert SUBJECT.encode() not in dump


def test_personal_events_with_consent_are_stored(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub", consent=lambda s, p, t: (s, p) == (SUBJECT, "presence"))
    event = hub.event(
        1,
        type="zone.enter",
        subject=SUBJECT,
        purpose="presence",
        consent="c1",
        data={"sealed": "x"},
    )
    assert hub.send(hub.payload([event])) == 1
    assert hub.count("SELECT COUNT(*) FROM events WHERE subject IS NOT NULL") == 1


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "bad json"),
        (
            b'{"v": 9, "store": "s1", "device": "k1", "stream": "' + STREAM.encode() + b'"}',
            "bad batch",
        ),
        (
            b'{"v": 2, "store": "s1", "device": "k2", "stream": "'
            + STREAM.encode()
            + b'", "events": [1]}',
            "bad batch",
        ),
        (
            b'{"v": 2, "store": "s1", "device": "k1", "stream": "'
            + STREAM.encode()
            + b'", "events": []}',
            "bad batch",
        ),
        (b"x" * 300_000, "oversize"),
    ],
)
def test_broken_batches_are_dead_lettered(hub: Hub, payload: bytes, reason: str) -> None:
    hub.send(payload)
    assert hub.reasons() == [reason]


def test_unknown_devices_and_topics(hub: Hub) -> None:
    payload = hub.payload([hub.event(1)])
    hub.send(payload, topic="instore/v1/s1/k9/evt")
    hub.send(payload, topic="nonsense")
    assert hub.reasons() == ["unknown device", "bad topic"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
hostile_event = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "id": st.one_of(st.uuids().map(str), st.text(max_size=5)),
            "seq": st.one_of(st.integers(-3, 40), st.text(max_size=3), st.none()),
            "ts": st.sampled_from(["2026-11-23T12:00:00.000Z", "yesterday", 5]),
            "type": st.sampled_from(["scan", "zone.enter", "purged", "bogus", ""]),
            "subject": st.sampled_from([None, SUBJECT, "aa:bb:cc"]),
            "purpose": st.sampled_from([None, "presence", "nope"]),
            "consent": st.sampled_from([None, "c1"]),
            "data": json_values,
        },
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(hostile_event, min_size=1, max_size=8), signed=st.booleans())
def test_fuzzed_batches_never_crash_and_never_stall_a_stream(
    hub: Hub, events: list[Any], signed: bool
) -> None:
    payload = encode_batch("s1", "k1", STREAM, [orjson.dumps(e) for e in events])
    before = hub.count("SELECT COUNT(*) FROM dead_letters")
    stored_before = hub.count("SELECT COUNT(*) FROM events")
    ack = hub.send(payload, sig=None if signed else "bm90IGEgc2ln")
    after = hub.count("SELECT COUNT(*) FROM dead_letters")
    stored = hub.count("SELECT COUNT(*) FROM events") - stored_before
    if not signed:
        assert ack is None
        assert after == before + 1
        return
    # Every event either was stored, was dead-lettered with a reason, or was a resend.
    assert stored + (after - before) <= len(events)
    assert all(hub.reasons())
    # Every identifiable seq is settled: the frontier passes every seq 1..n that was sent.
    seqs = {e["seq"] for e in events if isinstance(e, dict) and type(e.get("seq")) is int}
    frontier = hub.store.db.execute("SELECT through_seq FROM streams").fetchone()
    contiguous = 0
    while contiguous + 1 in seqs | _settled(hub):
        contiguous += 1
    assert (frontier[0] if frontier else 0) >= contiguous


def _settled(hub: Hub) -> set[int]:
    rows = hub.store.db.execute(
        "SELECT seq FROM events UNION SELECT seq FROM dead_letters WHERE settles = 1"
    )
    return {r[0] for r in rows}


# -- the fast path (whole batch in pydantic-core) and the model path agree ---------------

sound_event = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()),
        "ts": st.sampled_from(
            [
                "2026-11-23T12:00:00.000Z",
                "2026-11-23T12:00:00.250+01:00",
                "2026-11-23T12:00:01Z",
                "2026-11-23T12:00:02.123456Z",
            ]
        ),
        "kind": st.sampled_from(["scan", "purged", "personal"]),
        "data": st.none() | st.dictionaries(st.text(max_size=6), json_values, max_size=3),
    }
)


def _event_from(seq: int, drawn: dict[str, Any]) -> dict[str, Any]:
    event = {"id": drawn["id"], "seq": seq, "ts": drawn["ts"], "type": drawn["kind"]}
    if drawn["kind"] == "scan":
        return event | {"data": drawn["data"]}
    if drawn["kind"] == "personal":
        sealed = {"sealed": f"opaque-{seq}"}
        return event | {"type": "zone.enter", "subject": SUBJECT, "purpose": "presence",
                        "consent": "c1", "data": sealed}  # fmt: skip
    return event


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=st.lists(sound_event, min_size=1, max_size=6))
def test_an_event_is_checked_the_same_with_or_without_a_bad_neighbour(
    tmp_path: Path, drawn: list[dict[str, Any]]
) -> None:
    # A bad event sends the whole batch down the model path, event by event: what the
    # sound events become (rows, digests, dead letters) must not depend on the path.
    hub = Hub(tmp_path / f"hub-{len(list(tmp_path.iterdir()))}", consent=lambda s, p, t: True)
    events = [_event_from(seq, d) for seq, d in enumerate(drawn, start=1)]
    bad = hub.event(len(events) + 1, type="no.such.type")
    alone = hub.checker.check(TOPIC, *_signed(hub, hub.payload(events)))
    mixed = hub.checker.check(TOPIC, *_signed(hub, hub.payload([*events, bad])))
    assert alone.rows == mixed.rows
    assert alone.dead == mixed.dead[:-1]
    assert [d.reason for d in mixed.dead[len(alone.dead) :]] == ["bad event"]
    assert len(alone.rows) == len(events)


def _signed(hub: Hub, payload: bytes) -> tuple[bytes, str]:
    return payload, sign(hub.key, payload)


def test_the_digest_is_the_blake2b_of_the_fields_in_wire_order() -> None:
    fields = ("e-1", 7, 1.5, "scan", None, None, None, {"gtin": "1", "n": [1, 2.5]})
    expected = hashlib.blake2b(orjson.dumps(fields), digest_size=16).digest()
    assert event_digest(*fields[:7], orjson.dumps(fields[7])) == expected


def test_anonymous_data_is_stored_as_json_and_personal_data_goes_to_the_protector(
    tmp_path: Path,
) -> None:
    hub = Hub(tmp_path / "hub", consent=lambda s, p, t: True)
    seen: list[tuple[str, str, float, dict[str, Any]]] = []

    def protect(event_id: str, subject: str, ts: float, data: dict[str, Any]) -> bytes:
        seen.append((event_id, subject, ts, data))
        return b"under-the-shoppers-key"

    checker = BatchChecker(hub.store, lambda s, p, t: True, protect)
    personal = hub.event(2, type="zone.enter", subject=SUBJECT, purpose="presence",
                         consent="c1", data={"sealed": "x"})  # fmt: skip
    checked = checker.check(TOPIC, *_signed(hub, hub.payload([hub.event(1), personal])))
    assert [r.data for r in checked.rows] == [b'{"gtin":"1"}', b"under-the-shoppers-key"]
    assert seen == [(personal["id"], SUBJECT, checked.rows[1].ts, {"sealed": "x"})]


def test_a_sound_batch_takes_the_fast_path(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    # Otherwise the test above would compare the model path with itself.
    def no_model(raw: Any, v: int = 2) -> None:
        raise AssertionError("a sound batch was checked event by event")

    monkeypatch.setattr("hub.ingest.decode_event", no_model)
    checked = hub.checker.check(TOPIC, *_signed(hub, hub.payload([hub.event(1), hub.event(2)])))
    assert [r.seq for r in checked.rows] == [1, 2]


def test_the_wal_is_checkpointed_apart_from_the_ingest_commits(hub: Hub, tmp_path: Path) -> None:
    hub.store.checkpoint_apart(interval_s=0.05)
    db_file = tmp_path / "hub" / "hub.db"
    before = db_file.stat().st_size
    for first in range(1, 2001, 200):
        events = [hub.event(seq, data={"pad": "p" * 500}) for seq in range(first, first + 200)]
        assert hub.send(hub.payload(events)) == first + 199
    # Automatic checkpoints are off on the ingest connection: only the thread copies.
    assert hub.count("PRAGMA wal_autocheckpoint") == 0
    deadline = time.monotonic() + 10
    while db_file.stat().st_size < before + 1_000_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db_file.stat().st_size >= before + 1_000_000
    hub.store.close()
