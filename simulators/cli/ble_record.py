"""``instore-sim ble-record``: record one gateway of the simulated store, through the same
filter and recorder as ``instore-edge ble record`` on a radio."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rec = sub.add_parser("ble-record", help="record one gateway of the simulated store")
    rec.add_argument("--out", type=Path, required=True, help="trace file to write")
    rec.add_argument("--gateway", default="gw-1", help="the simulated store's gateway")
    rec.add_argument("--seconds", type=float, default=300.0, help="simulated time to record")
    rec.add_argument("--seed", type=int, default=1)
    rec.set_defaults(handler=_record)


def _record(args: argparse.Namespace) -> int:
    from edge.presence.record import record  # noqa: PLC0415
    from simulators.ble_scanner import simulated_feed  # noqa: PLC0415

    settings, roster, scanner = simulated_feed(args.seed, args.gateway, args.seconds)
    done = asyncio.run(record(scanner, settings, args.gateway, roster, args.out, clock=scanner.now))
    print(
        f"{args.out}: {done.kept} receptions kept, {done.dropped} advertisements dropped",
        file=sys.stderr,
    )
    return 0
