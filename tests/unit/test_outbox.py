"""The edge outbox: durable, ordered, bounded, purgeable without holes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.errors import OutboxFullError
from edge.outbox import Draft, Outbox, pending_events
from protocol.models import decode_event

SUBJECT_A = "ps_" + "a" * 20
SUBJECT_B = "ps_" + "b" * 20


def scans(n: int, ts: float = 1_795_435_200.0) -> list[Draft]:
    return [Draft(type="scan", ts=ts, data={"gtin": f"{i:013d}"}) for i in range(n)]


def personal(subject: str, purpose: str = "presence") -> Draft:
    return Draft(
        type="zone.enter",
        ts=1_795_435_200.0,
        subject=subject,
        purpose=purpose,
        consent="c-1",
        data={"sealed": "opaque"},
    )


def test_seqs_rise_by_one_and_survive_a_restart(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    first = box.append(scans(3))
    stream = box.stream
    box.close()
    box = Outbox(tmp_path / "o.db")
    second = box.append(scans(2))
    assert [a.seq for a in first + second] == [1, 2, 3, 4, 5]
    assert box.stream == stream
    assert box.depth == 5
    assert list(box.read(0, 100, 1 << 20).seqs) == [1, 2, 3, 4, 5]


def test_rows_are_valid_wire_events_with_their_ids(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    accepted = box.append(scans(2))
    run = box.read(0, 10, 1 << 20)
    for seq, body, acc in zip(run.seqs, run.events, accepted, strict=True):
        event = decode_event(orjson.loads(body))
        assert (event.seq, str(event.id)) == (seq, acc.id)


def test_only_acknowledged_events_go(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    box.append(scans(4))
    box.append(scans(4))
    assert box.acknowledge(6) == 6
    assert list(box.read(0, 100, 1 << 20).seqs) == [7, 8]
    box.close()
    box = Outbox(tmp_path / "o.db")
    assert box.depth == 2
    assert list(box.read(0, 100, 1 << 20).seqs) == [7, 8]
    assert pending_events(tmp_path / "o.db") == 2
    assert box.acknowledge(3) == 0  # an old ack changes nothing


def test_read_respects_event_and_byte_limits(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    box.append(scans(50))
    assert len(box.read(0, 10, 1 << 20).events) == 10
    one = len(box.read(0, 1, 1 << 20).events[0])
    assert len(box.read(0, 100, one * 3).events) == 3
    assert len(box.read(0, 100, 1).events) == 1  # always at least one event
    assert list(box.read(45, 100, 1 << 20).seqs) == [46, 47, 48, 49, 50]


def test_a_full_outbox_refuses_new_events_and_keeps_the_old(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", limit_bytes=4000)
    box.append(scans(10))
    with pytest.raises(OutboxFullError):
        box.append(scans(100))
    assert box.refused == 100
    assert box.depth == 10
    assert len(box.read(0, 100, 1 << 20)) == 10


def test_purge_tombstones_one_subject_and_keeps_every_seq(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    box.append([personal(SUBJECT_A), *scans(1), personal(SUBJECT_B), personal(SUBJECT_A)])
    assert box.purge([SUBJECT_A]) == 2
    rows = box.read(0, 100, 1 << 20)
    assert [s for s, _ in rows] == [1, 2, 3, 4]
    events = [decode_event(orjson.loads(b)) for _, b in rows]
    assert [e.type for e in events] == ["purged", "scan", "zone.enter", "purged"]
    assert SUBJECT_A.encode() not in b"".join(b for _, b in rows)
    assert events[2].subject == SUBJECT_B
    assert box.purge([SUBJECT_A]) == 0


def test_purge_by_purpose(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    box.append([personal(SUBJECT_A, "presence"), personal(SUBJECT_A, "analytics")])
    assert box.purge([SUBJECT_A], ["analytics"]) == 1
    types = [decode_event(orjson.loads(b)).type for _, b in box.read(0, 9, 1 << 20)]
    assert types == ["zone.enter", "purged"]


@settings(max_examples=30, deadline=None)
@given(ops=st.lists(st.tuples(st.sampled_from(["append", "ack"]), st.integers(1, 20)), max_size=25))
def test_what_is_read_is_exactly_what_is_unacknowledged(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int]]
) -> None:
    box = Outbox(tmp_path_factory.mktemp("o") / "o.db")
    model: list[int] = []
    acked = 0
    for op, n in ops:
        if op == "append":
            model.extend(a.seq for a in box.append(scans(n)))
        else:
            acked = min(acked + n, box.next_seq - 1)
            box.acknowledge(acked)
    expected = [s for s in model if s > acked]
    assert [s for s, _ in box.read(0, 10_000, 1 << 30)] == expected
    assert box.depth == len(expected)


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.integers(1, 7), min_size=1, max_size=6),
    acked=st.integers(0, 45),
    after=st.integers(0, 45),
    max_events=st.integers(1, 12),
    max_bytes=st.integers(1, 3000),
)
def test_a_read_across_segments_takes_the_longest_run_within_the_limits(
    groups: list[int], acked: int, after: int, max_events: int, max_bytes: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Outbox(Path(tmp) / "o.db")
        for n in groups:  # one segment per group, of events of different sizes
            box.append([Draft("scan", 1.0, {"gtin": "1" * (box.next_seq % 5 * 90)})] * n)
        box.acknowledge(acked)
        everything = box.read(0, 10_000, 1 << 30)
        run = box.read(after, max_events, max_bytes)
        box.close()
    start = max(after, min(acked, sum(groups))) + 1
    waiting = [e for s, e in zip(everything.seqs, everything.events, strict=True) if s >= start]
    expected: list[bytes] = []
    for event in waiting:  # at least one, then as many as both limits allow
        total = sum(map(len, expected)) + len(event)
        if expected and (total > max_bytes or len(expected) >= max_events):
            break
        expected.append(event)
    assert run.events == expected
    if expected:
        assert run.first == start


def test_acknowledge_listeners_hear_the_new_frontier(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    heard: list[int] = []
    box.on_acknowledge(heard.append)
    box.append(scans(5))
    box.acknowledge(3)
    box.acknowledge(2)  # old news: nothing deleted, nobody told
    box.acknowledge(9)  # beyond what was accepted: up to the last seq
    assert heard == [3, 5]
