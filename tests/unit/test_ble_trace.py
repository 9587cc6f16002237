"""Traces: streamed reading, errors that name the line, unknown gateways, replay command."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from edge.cli import main
from edge.presence.trace import TraceError, TraceReader, TraceWriter, read_truth

SITE = {
    "gateways": {
        "gw-a": {"zone": "a", "x": 5.0, "y": 5.0, "level": 0},
        "gw-b": {"zone": "b", "x": 15.0, "y": 5.0, "level": 0},
    },
    "zones": {
        "a": {"polygon": [[0, 0], [10, 0], [10, 10], [0, 10]], "level": 0},
        "b": {"polygon": [[10, 0], [20, 0], [20, 10], [10, 10]], "level": 0},
    },
}
TOK = "0011223344556677"


def _walk(path: Path, seconds: float = 40.0, extra: list[bytes] | None = None) -> Path:
    """A phone next to gw-a for the first half, next to gw-b for the second."""
    with TraceWriter(path, SITE) as w:
        t = 0.0
        i = 0
        while t < seconds:
            near = "gw-a" if t < seconds / 2 else "gw-b"
            for gw in ("gw-a", "gw-b"):
                w.write(t, gw, TOK, -60 - i % 3 if gw == near else -85 - i % 4)
            t += 0.25
            i += 1
    if extra:
        with path.open("ab") as f:
            f.write(b"".join(extra))
    return path


def test_reader_streams_small_chunks_and_interns_ids(tmp_path: Path) -> None:
    path = _walk(tmp_path / "t.trace")
    with TraceReader(path, chunk_lines=7) as reader:
        chunks = list(reader.chunks())
        assert len(chunks) > 10
        assert reader.names == [TOK]
        assert reader.receptions == sum(c.t.size for c in chunks) == 320
        assert reader.gateway_names == ["gw-a", "gw-b"]


def test_out_of_order_line_is_named(tmp_path: Path) -> None:
    late = orjson.dumps({"t": 1.0, "gateway": "gw-a", "id": TOK, "rssi": -60}) + b"\n"
    path = _walk(tmp_path / "t.trace", extra=[late])
    want = r"t\.trace:322: time 1\.0 is before the previous 39\.75"
    with pytest.raises(TraceError, match=want), TraceReader(path, chunk_lines=50) as reader:
        list(reader.chunks())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json\n", "322: not JSON"),
        (b'{"t": 50, "gateway": "gw-a", "id": 7, "rssi": -60}\n', "322: field 'id'"),
        (b'{"t": 50, "gateway": "gw-a", "id": "x"}\n', "322: field 'rssi'"),
        (b"[1, 2]\n", "322: a reception is a JSON object"),
    ],
)
def test_malformed_lines_are_named(tmp_path: Path, line: bytes, message: str) -> None:
    path = _walk(tmp_path / "t.trace", extra=[line])
    with pytest.raises(TraceError, match=message), TraceReader(path, chunk_lines=1000) as reader:
        list(reader.chunks())


def test_unknown_gateways_are_counted_and_skipped(tmp_path: Path) -> None:
    stray = orjson.dumps({"t": 50.0, "gateway": "gw-z", "id": TOK, "rssi": -60}) + b"\n"
    path = _walk(tmp_path / "t.trace", extra=[stray, stray])
    with TraceReader(path) as reader:
        list(reader.chunks())
        assert reader.unknown_gateways == {"gw-z": 2}
        assert reader.receptions == 320


def test_bad_headers(tmp_path: Path) -> None:
    path = tmp_path / "t.trace"
    path.write_text('{"kind": "something-else"}\n')
    with pytest.raises(TraceError, match=":1: the header's kind"):
        TraceReader(path)
    path.write_text('{"kind": "instore-ble-trace", "version": 2}\n')
    with pytest.raises(TraceError, match="version 2"):
        TraceReader(path)


def test_truth_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "truth"
    path.write_text('{"t": 5, "id": "x", "zone": "a"}\n{"t": 3, "id": "x", "zone": "b"}\n')
    with pytest.raises(TraceError, match=":2: time 3 is before"):
        read_truth(path)
    path.write_text('{"t": 5, "id": "x", "zone": 3}\n')
    with pytest.raises(TraceError, match=":1: a mark is"):
        read_truth(path)


def test_replay_prints_one_line_per_zone_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = orjson.dumps({"t": 40.0, "gateway": "gw-z", "id": TOK, "rssi": -60}) + b"\n"
    path = _walk(tmp_path / "t.trace", extra=[stray])
    truth = tmp_path / "truth"
    truth.write_bytes(
        b'{"t": 0, "id": "0011223344556677", "zone": "a"}\n'
        b'{"t": 20, "id": "0011223344556677", "zone": "b"}\n'
        b'{"t": 40, "id": "0011223344556677", "zone": null}\n'
    )
    assert main(["ble", "replay", str(path), "--json", "--truth", str(truth)]) == 0
    out = capsys.readouterr()
    lines = [orjson.loads(ln) for ln in out.out.splitlines()]
    assert [ln["zone"] for ln in lines] == ["a", "b"]
    assert set(lines[0]) == {"t", "id", "zone"}
    assert 20.0 <= lines[1]["t"] <= 25.0
    assert "skipped unknown gateways gw-z (1)" in out.err
    assert "zone accuracy" in out.err


def test_replay_refuses_a_disordered_trace_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = orjson.dumps({"t": 1.0, "gateway": "gw-a", "id": TOK, "rssi": -60}) + b"\n"
    path = _walk(tmp_path / "t.trace", extra=[late])
    assert main(["ble", "replay", str(path), "--json"]) == 2
    assert "t.trace:322: time 1.0 is before" in capsys.readouterr().err
    assert main(["ble", "replay", str(tmp_path / "missing.trace")]) == 2
