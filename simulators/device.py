"""``instore-sim device``: one simulated kiosk or gateway, the real edge agent fed by a
simulated event source (shopper scans at a kiosk, footfall at a gateway, or the fixed
benchmark body).

With ``--record FILE`` every event id is appended to FILE right after the outbox
commit returns: the generator's own record that chaos and benchmarks count against.
"""

from __future__ import annotations

import argparse
import random
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO, Final

from console.heap import settle_heap
from edge.agent import EdgeAgent
from edge.errors import OutboxFullError
from edge.outbox import Draft
from edge.uplink import UplinkSettings
from protocol.enrolment import DeviceIdentity, DeviceKind
from simulators.kiosk_screen import serve_kiosk

TICK_S: Final = 0.01  # generator resolution: 100 ticks a second
BENCH_BODY: Final = "x" * 180  # data of ~200 bytes, the fixed body the ingest bench asks for


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dev = sub.add_parser("device", help="run one simulated kiosk or gateway")
    dev.add_argument("--identity", type=Path, required=True, help="identity file from enrolment")
    dev.add_argument("--outbox", type=Path, required=True, help="outbox database path")
    dev.add_argument(
        "--rate", type=float, default=2.0, help="events per second (0: as fast as possible)"
    )
    dev.add_argument("--events", type=int, default=0, help="stop generating after N (0: never)")
    dev.add_argument("--bench", action="store_true", help="fixed ~200-byte benchmark events")
    dev.add_argument("--record", type=Path, help="append accepted event ids to this file")
    dev.add_argument(
        "--exit-when-drained",
        action="store_true",
        help="exit once N events are generated and all acknowledged",
    )
    dev.add_argument("--seed", type=int, default=0)
    dev.add_argument(
        "--screen",
        type=int,
        metavar="PORT",
        help="kiosk only: serve its real screen here, "
        "fed by a simulated camera, instead of generating scans",
    )
    dev.add_argument("--hub-url", help="with --screen: the hub's web address, for pairing")
    dev.add_argument("--hub-ca", help="with --screen: the CA of the hub's HTTPS certificate")
    dev.add_argument("--heartbeat", type=float, default=15.0, help="seconds between heartbeats")
    dev.add_argument("--keepalive", type=int, default=30, help="MQTT keepalive in seconds")
    dev.set_defaults(handler=_device)


def draft_for(kind: DeviceKind, rng: random.Random, now: float, bench: bool, n: int) -> Draft:
    if bench:
        return Draft(type="bench", ts=now, data={"n": n, "body": BENCH_BODY})
    if kind is DeviceKind.KIOSK:
        gtin = f"{rng.choice(_DEMO_GTINS)}"
        return Draft(type="scan", ts=now, data={"gtin": gtin, "format": "EAN13"})
    return Draft(type="footfall", ts=now, data={"zone": rng.choice(_ZONES), "count": 1})


_DEMO_GTINS: Final = ("4006381333931", "5012345678900", "7311041013656", "8712100854476")
_ZONES: Final = ("entrance", "dairy", "bakery", "produce", "household", "checkout")


class Generator:
    """Produces drafts at a rate and submits them in chunks (group commit)."""

    def __init__(self, agent: EdgeAgent, args: argparse.Namespace, record: IO[str] | None) -> None:
        self.agent = agent
        self.args = args
        self.record = record
        self.rng = random.Random(args.seed)
        # A restarted device goes on where its record ends (chaos kills and restarts it).
        self.produced = _lines(args.record) if args.record else 0
        self.refused = 0

    def run(self, stop: threading.Event) -> None:
        kind = self.agent.identity.kind
        start = time.monotonic()
        limit = self.args.events or None
        while not stop.is_set() and (limit is None or self.produced < limit):
            if self.args.rate > 0:
                due = int((time.monotonic() - start) * self.args.rate) - self.produced
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
                draft_for(kind, self.rng, now, self.args.bench, self.produced + i)
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


def _device(args: argparse.Namespace) -> int:
    identity = DeviceIdentity.read(args.identity)
    settings = UplinkSettings(heartbeat_s=args.heartbeat, keepalive_s=args.keepalive)
    agent = EdgeAgent(identity, args.outbox, settings=settings)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    record = args.record.open("a") if args.record else None
    acks = acks_path(args.record).open("a") if args.record else None
    if acks is not None:
        agent.outbox.on_acknowledge(_ack_writer(acks))
    agent.start()
    settle_heap()
    if args.screen:
        try:
            serve_kiosk(
                agent,
                args.outbox.parent,
                args.screen,
                args.seed,
                hub_url=args.hub_url,
                hub_ca=args.hub_ca,
            )
        finally:
            agent.stop()
        return 0
    try:
        Generator(agent, args, record).run(stop)
        while args.exit_when_drained and not stop.is_set() and agent.outbox.depth > 0:
            stop.wait(0.05)
        while not args.exit_when_drained and not stop.is_set():
            stop.wait(0.5)
    finally:
        agent.stop()
        for out in (record, acks):
            if out is not None:
                out.close()
    return 0
