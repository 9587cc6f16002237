"""Replay a trace through the live zone engine, and score it against a ground truth."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.presence.baselines import smoothed_hysteresis, strongest_recent
from edge.presence.config import PresenceSettings
from edge.presence.engine import ENTER, EXIT, PresenceEngine, ZoneEvent
from edge.presence.scoring import Score, score, to_steps
from edge.presence.trace import Chunk, TraceReader


@dataclass(frozen=True, slots=True)
class ZoneChange:
    """One line of ``ble replay``: ``zone`` None when the id was lost."""

    t: float
    id: str
    zone: str | None

    def to_json(self) -> dict[str, Any]:
        return {"t": round(self.t, 3), "id": self.id, "zone": self.zone}


@dataclass(frozen=True, slots=True)
class ReplayStats:
    receptions: int
    lines: int
    seconds: float
    changes: int
    unknown_gateways: dict[str, int]
    late: int


def changes_of(events: Iterable[ZoneEvent]) -> list[ZoneChange]:
    """Zone changes from engine events: every enter, and every exit of a lost id."""
    out: list[ZoneChange] = []
    for e in events:
        if e.kind == ENTER:
            out.append(ZoneChange(e.t, e.id, e.zone))
        elif e.kind == EXIT and e.lost:
            out.append(ZoneChange(e.t, e.id, None))
    return out


def replay(
    path: Path, settings: PresenceSettings | None, on_change: Callable[[ZoneChange], None]
) -> ReplayStats:
    """Stream ``path`` through :class:`PresenceEngine`; call ``on_change`` per zone change.

    ``settings`` None: the trace's site with default radio and engine settings; else the
    given settings with the trace's gateways and zones.
    """
    started = time.perf_counter()
    with TraceReader(path) as reader:
        site = (
            PresenceSettings.from_header(reader.header)
            if settings is None
            else settings.with_site_of(reader.header)
        )
        engine = PresenceEngine(site)
        gw_map = _gateway_map(reader.gateway_names, engine.grid.gateway_names)
        changes = 0
        last_t = 0.0
        beacon = np.zeros(0, dtype=bool)
        for chunk in reader.chunks():
            if beacon.size < len(reader.names):  # store beacons are not shoppers: not zoned
                beacon = np.array([":" in n for n in reader.names], dtype=bool)
            keep = ~beacon[chunk.ident]
            for change in changes_of(
                engine.feed(
                    chunk.t[keep],
                    gw_map[chunk.gateway[keep]],
                    chunk.ident[keep],
                    chunk.rssi[keep],
                    reader.names,
                )
            ):
                on_change(change)
                changes += 1
            last_t = float(chunk.t[-1])
        for change in changes_of(engine.advance(last_t + site.engine.tick_s) + engine.flush()):
            on_change(change)
            changes += 1
        return ReplayStats(
            reader.receptions,
            reader.lines,
            time.perf_counter() - started,
            changes,
            dict(reader.unknown_gateways),
            engine.late,
        )


def _gateway_map(trace_names: Sequence[str], engine_names: Sequence[str]) -> npt.NDArray[np.int64]:
    index = {n: i for i, n in enumerate(engine_names)}
    return np.array([index[n] for n in trace_names], dtype=np.int64)


def run_engine(
    settings: PresenceSettings, chunk: Chunk, names: Sequence[str], gateway_names: Sequence[str]
) -> list[ZoneChange]:
    """Zone changes for receptions already in memory (calibration, benchmarks)."""
    engine = PresenceEngine(settings)
    gw = _gateway_map(gateway_names, engine.grid.gateway_names)
    out = changes_of(engine.feed(chunk.t, gw[chunk.gateway], chunk.ident, chunk.rssi, names))
    if chunk.t.size:
        out.extend(changes_of(engine.advance(float(chunk.t[-1]) + settings.engine.tick_s)))
        out.extend(changes_of(engine.flush()))
    return out


@dataclass(frozen=True, slots=True)
class Evaluation:
    engine: Score
    strongest: Score
    smoothed: Score


def evaluate(
    settings: PresenceSettings,
    chunk: Chunk,
    names: Sequence[str],
    gateway_names: Sequence[str],
    truth: Sequence[dict[str, Any]],
) -> Evaluation:
    """The engine and both references scored on the same receptions and truth."""
    changes = run_engine(settings, chunk, names, gateway_names)
    truth_steps = to_steps(truth)
    end = float(chunk.t[-1]) if chunk.t.size else None
    gateway_zone = [settings.gateways[g].zone for g in gateway_names]
    args = (chunk, names, gateway_zone)
    return Evaluation(
        engine=score(truth_steps, to_steps(c.to_json() for c in changes), end),
        strongest=score(truth_steps, strongest_recent(*args), end),
        smoothed=score(truth_steps, smoothed_hysteresis(*args), end),
    )
