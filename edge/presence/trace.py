"""BLE traces (format: docs/architecture.md): read streamed in numpy chunks, written by line.

A trace is JSON lines: a header ``{"kind": "instore-ble-trace", "version": 1,
"gateways": {...}, "zones": {...}}``, then one reception a line
``{"t", "gateway", "id", "rssi"}`` in time order. Files can be large: the reader
parses a chunk of lines at once with orjson and hands back numpy columns, never the
whole file. A line out of time order, or one that is not a reception, is an error
naming the line; receptions from gateways the header does not name are counted and
skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import numpy as np
import numpy.typing as npt
import orjson

from edge.errors import EdgeInputError

TRACE_KIND: Final = "instore-ble-trace"
TRACE_VERSION: Final = 1
CHUNK_LINES: Final = 65536  # ~3 MB of text a chunk: big enough for numpy, small for memory


class TraceError(EdgeInputError):
    """A trace or ground-truth file that does not follow the format, with the line."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line


@dataclass(frozen=True, slots=True)
class Chunk:
    """Receptions of consecutive lines: ``gateway`` indexes the header's gateways,
    ``ident`` indexes :attr:`TraceReader.names`."""

    t: npt.NDArray[np.float64]
    gateway: npt.NDArray[np.int64]
    ident: npt.NDArray[np.int64]
    rssi: npt.NDArray[np.int64]


class TraceReader:
    """Streams a trace file; use as a context manager."""

    def __init__(self, path: Path, chunk_lines: int = CHUNK_LINES) -> None:
        self.path = path
        self._chunk_lines = chunk_lines
        try:
            self._file: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise EdgeInputError(f"{path}: cannot read ({exc.strerror})") from exc
        first = self._file.readline()
        try:
            header = orjson.loads(first)
        except orjson.JSONDecodeError as exc:
            self._file.close()
            raise TraceError(path, 1, "the header is not JSON") from exc
        if not isinstance(header, dict) or header.get("kind") != TRACE_KIND:
            self._file.close()
            raise TraceError(path, 1, f"the header's kind is not {TRACE_KIND!r}")
        if header.get("version") != TRACE_VERSION:
            self._file.close()
            raise TraceError(path, 1, f"trace version {header.get('version')!r} is not 1")
        if not isinstance(header.get("gateways"), dict) or not isinstance(
            header.get("zones"), dict
        ):
            self._file.close()
            raise TraceError(path, 1, "the header needs 'gateways' and 'zones' objects")
        self.header: dict[str, Any] = header
        self.gateway_names: list[str] = list(header["gateways"])
        self._gw_index = {name: i for i, name in enumerate(self.gateway_names)}
        self._ids: dict[str, int] = {}
        self.names: list[str] = []
        self.unknown_gateways: dict[str, int] = {}
        self.lines = 1
        self.receptions = 0
        self._last_t = -np.inf

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def chunks(self) -> Iterator[Chunk]:
        """Chunks of receptions in file order, each already checked."""
        while True:
            lines = list(itertools.islice(self._file, self._chunk_lines))
            if not lines:
                return
            first_line = self.lines + 1
            self.lines += len(lines)
            body = [ln for ln in lines if ln.strip()]
            if not body:
                continue
            chunk = self._parse(body, lines, first_line)
            if chunk is not None:
                yield chunk

    def _parse(self, body: list[bytes], lines: list[bytes], first_line: int) -> Chunk | None:
        try:
            rows = orjson.loads(b"[" + b",".join(body) + b"]")
            t = np.array([r["t"] for r in rows], dtype=np.float64)
            gw_names = [r["gateway"] for r in rows]
            id_names = [r["id"] for r in rows]
            rssi = np.array([r["rssi"] for r in rows], dtype=np.int64)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            self._explain(lines, first_line)
            raise TraceError(self.path, first_line, "malformed chunk") from exc
        if not all(type(g) is str for g in gw_names) or not all(type(i) is str for i in id_names):
            self._explain(lines, first_line)
        if not np.isfinite(t).all():
            self._explain(lines, first_line)
        back = np.flatnonzero(np.diff(np.r_[self._last_t, t]) < 0)
        if back.size:
            bad = int(back[0])
            line = self._line_of(lines, first_line, bad)
            before = self._last_t if bad == 0 else t[bad - 1]
            raise TraceError(self.path, line, f"time {t[bad]} is before the previous {before}")
        self._last_t = float(t[-1])
        gmap = self._gw_index
        gateway = np.array([gmap.get(g, -1) for g in gw_names], dtype=np.int64)
        ids = self._ids
        ident = np.array([ids.setdefault(i, len(ids)) for i in id_names], dtype=np.int64)
        if len(ids) > len(self.names):
            self.names.extend(itertools.islice(ids, len(self.names), None))
        unknown = gateway < 0
        if unknown.any():
            for i in np.flatnonzero(unknown).tolist():
                name = gw_names[i]
                self.unknown_gateways[name] = self.unknown_gateways.get(name, 0) + 1
            keep = ~unknown
            t, gateway, ident, rssi = t[keep], gateway[keep], ident[keep], rssi[keep]
        self.receptions += int(t.size)
        if t.size == 0:
            return None
        return Chunk(t, gateway, ident, rssi)

    @staticmethod
    def _line_of(lines: list[bytes], first_line: int, row: int) -> int:
        seen = -1
        for offset, ln in enumerate(lines):
            if ln.strip():
                seen += 1
                if seen == row:
                    return first_line + offset
        return first_line

    def _explain(self, lines: list[bytes], first_line: int) -> None:
        """Find the first bad line of a chunk and raise a TraceError naming it."""
        for offset, ln in enumerate(lines):
            if not ln.strip():
                continue
            where = first_line + offset
            try:
                row = orjson.loads(ln)
            except orjson.JSONDecodeError as exc:
                raise TraceError(self.path, where, "not JSON") from exc
            if not isinstance(row, dict):
                raise TraceError(self.path, where, "a reception is a JSON object")
            for key, kinds in (
                ("t", (int, float)),
                ("gateway", (str,)),
                ("id", (str,)),
                ("rssi", (int,)),
            ):
                value = row.get(key)
                if not isinstance(value, kinds) or isinstance(value, bool):
                    raise TraceError(
                        self.path, where, f"field {key!r} is missing or not a {kinds[0].__name__}"
                    )
            if not np.isfinite(row["t"]):
                raise TraceError(self.path, where, "field 't' is not a finite number")


def read_all(path: Path) -> tuple[dict[str, Any], Chunk, list[str], dict[str, int]]:
    """A whole trace in memory (for calibration walks, which are small)."""
    with TraceReader(path) as reader:
        parts = list(reader.chunks())
        header, names, unknown = reader.header, reader.names, reader.unknown_gateways
    if not parts:
        empty = np.zeros(0)
        return (
            header,
            Chunk(empty, empty.astype(np.int64), empty.astype(np.int64), empty.astype(np.int64)),
            names,
            unknown,
        )
    return (
        header,
        Chunk(
            np.concatenate([p.t for p in parts]),
            np.concatenate([p.gateway for p in parts]),
            np.concatenate([p.ident for p in parts]),
            np.concatenate([p.rssi for p in parts]),
        ),
        names,
        unknown,
    )


def read_truth(path: Path) -> list[dict[str, Any]]:
    """Ground-truth marks ``{"t", "id", "zone"}`` (zone null: the id left), time-ordered."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EdgeInputError(f"{path}: cannot read ({exc.strerror})") from exc
    marks: list[dict[str, Any]] = []
    last = -np.inf
    for n, ln in enumerate(raw.splitlines(), start=1):
        if not ln.strip():
            continue
        try:
            row = orjson.loads(ln)
        except orjson.JSONDecodeError as exc:
            raise TraceError(path, n, "not JSON") from exc
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("t"), int | float)
            or not isinstance(row.get("id"), str)
            or not (row.get("zone") is None or isinstance(row.get("zone"), str))
        ):
            raise TraceError(
                path, n, 'a mark is {"t": seconds, "id": "...", "zone": "..." or null}'
            )
        if row["t"] < last:
            raise TraceError(path, n, f"time {row['t']} is before the previous {last}")
        last = row["t"]
        marks.append(row)
    return marks


class TraceWriter:
    """Writes a trace: the header first, then receptions as they are kept."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        try:
            self._file: IO[bytes] = path.open("wb")
        except OSError as exc:
            raise EdgeInputError(f"{path}: cannot write ({exc.strerror})") from exc
        self._file.write(
            orjson.dumps({"kind": TRACE_KIND, "version": TRACE_VERSION, **header}) + b"\n"
        )
        self.written = 0

    def write(self, t: float, gateway: str, ident: str, rssi: int) -> None:
        self._file.write(
            orjson.dumps({"t": round(t, 3), "gateway": gateway, "id": ident, "rssi": rssi}) + b"\n"
        )
        self.written += 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
