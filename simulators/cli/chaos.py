"""``instore-sim chaos``: kill the edge, the hub and the broker while batches are
unacknowledged; lost and duplicated events must both be zero (simulators/chaos.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import orjson

from console import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chaos = sub.add_parser("chaos", help="kill edge, hub and broker; count lost and duplicated")
    chaos.add_argument("--events", type=int, default=100_000)
    chaos.add_argument("--kills", type=int, default=3, help="SIGKILLs of each part (at least)")
    chaos.add_argument("--seed", type=int, default=1)
    chaos.add_argument("--json", action="store_true")
    chaos.add_argument("--keep", type=Path, help="run in this directory and keep it")
    chaos.set_defaults(handler=_chaos)


def _chaos(args: argparse.Namespace) -> int:
    from simulators.chaos import run_chaos  # noqa: PLC0415

    result = run_chaos(args.events, args.kills, args.seed, args.keep)
    say(
        orjson.dumps(result).decode()
        if args.json
        else "\n".join(f"{k}: {v}" for k, v in result.items())
    )
    return 0 if result["lost"] == 0 and result["duplicated"] == 0 else 1
