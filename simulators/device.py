"""``instore-sim device``: one simulated kiosk or gateway, the real edge agent fed by a
simulated event source (shopper scans at a kiosk, footfall at a gateway, or the fixed
benchmark body).

With ``--record FILE`` every event id is appended to FILE right after the outbox
commit returns: the generator's own record that chaos and benchmarks count against.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from console.heap import settle_heap
from edge.agent import EdgeAgent
from edge.errors import OutboxFullError
from edge.outbox import Draft
from protocol.kinds import DeviceKind
from simulators.kiosk_screen import serve_kiosk

TICK_S: Final = 0.01  # generator resolution: 100 ticks a second
BENCH_BODY: Final = "x" * 180  # data of ~200 bytes, the fixed body the ingest bench asks for


def draft_for(kind: DeviceKind, rng: random.Random, now: float, bench: bool, n: int) -> Draft:
    if bench:
        return Draft(type="bench", ts=now, data={"n": n, "body": BENCH_BODY})
    if kind is DeviceKind.KIOSK:
        gtin = f"{rng.choice(_DEMO_GTINS)}"
        return Draft(type="scan", ts=now, data={"gtin": gtin, "format": "EAN13"})
    return Draft(type="footfall", ts=now, data={"zone": rng.choice(_ZONES), "count": 1})


_DEMO_GTINS: Final = ("4006381333931", "5012345678900", "7311041013656", "8712100854476")
_ZONES: Final = ("entrance", "dairy", "bakery", "produce", "household", "checkout")


@dataclass(frozen=True, slots=True)
class Workload:
    """What a simulated device generates: ``rate`` events a second (0: as fast as
    possible), ``events`` in all (0: no end), the fixed benchmark body or else kiosk scans
    and gateway footfall; ``record`` gets every accepted event id."""

    rate: float = 2.0
    events: int = 0
    bench: bool = False
    seed: int = 0
    record: Path | None = None
    exit_when_drained: bool = False  # once ``events`` are generated and all acknowledged


@dataclass(frozen=True, slots=True)
class KioskScreen:
    """A kiosk's real screen served on ``port`` (its shop and venue under ``root``), fed
    by a simulated camera; with ``hub_url`` shoppers pair their phones first."""

    port: int
    root: Path
    hub_url: str | None = None
    hub_ca: str | None = None


class Generator:
    """Produces drafts at a rate and submits them in chunks (group commit)."""

    def __init__(self, agent: EdgeAgent, workload: Workload, record: IO[str] | None) -> None:
        self.agent = agent
        self.workload = workload
        self.record = record
        self.rng = random.Random(workload.seed)
        # A restarted device goes on where its record ends (chaos kills and restarts it).
        self.produced = _lines(workload.record) if workload.record else 0
        self.refused = 0

    def run(self, stop: threading.Event) -> None:
        kind = self.agent.identity.kind
        start = time.monotonic()
        limit = self.workload.events or None
        while not stop.is_set() and (limit is None or self.produced < limit):
            if self.workload.rate > 0:
                due = int((time.monotonic() - start) * self.workload.rate) - self.produced
                if due <= 0:
                    stop.wait(TICK_S)
                    continue
            else:
                due = 500
                if self.agent.outbox.depth > 50_000:  # keep a bounded backlog
                    stop.wait(TICK_S)
                    continue
            if limit is not None:
                due = min(due, limit - self.produced)
            now = time.time()
            drafts = [
                draft_for(kind, self.rng, now, self.workload.bench, self.produced + i)
                for i in range(due)
            ]
            try:
                accepted = self.agent.submit(drafts)
            except OutboxFullError:
                self.refused += len(drafts)
                stop.wait(0.1)
                continue
            if self.record is not None:
                self.record.write("".join(f"{a.id}\n" for a in accepted))
                self.record.flush()
            self.produced += len(accepted)


def acks_path(record: Path) -> Path:
    """Where a device run with ``--record`` writes a line ``UNIX_TIME THROUGH_SEQ`` each
    time its outbox deleted events the hub had acknowledged."""
    return record.with_name(record.name + ".acks")


def _ack_writer(out: IO[str]) -> Callable[[int], None]:
    def write(through_seq: int) -> None:
        out.write(f"{time.time():.6f} {through_seq}\n")

    return write


def _lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def run_device(
    agent: EdgeAgent, workload: Workload, stop: threading.Event, screen: KioskScreen | None = None
) -> None:
    """Start ``agent`` and generate ``workload`` through it (or serve its kiosk ``screen``)
    until ``stop`` is set, or until the workload is generated and acknowledged."""
    record = workload.record.open("a") if workload.record else None
    acks = acks_path(workload.record).open("a") if workload.record else None
    if acks is not None:
        agent.outbox.on_acknowledge(_ack_writer(acks))
    agent.start()
    settle_heap()
    if screen is not None:
        try:
            serve_kiosk(
                agent,
                screen.root,
                screen.port,
                workload.seed,
                hub_url=screen.hub_url,
                hub_ca=screen.hub_ca,
            )
        finally:
            agent.stop()
        return
    try:
        Generator(agent, workload, record).run(stop)
        while workload.exit_when_drained and not stop.is_set() and agent.outbox.depth > 0:
            stop.wait(0.05)
        while not workload.exit_when_drained and not stop.is_set():
            stop.wait(0.5)
    finally:
        agent.stop()
        for out in (record, acks):
            if out is not None:
                out.close()
