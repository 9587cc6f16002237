"""``instore-sim bench NAME``: each benchmark module registers one NAME here."""

from __future__ import annotations

import argparse
import importlib
from typing import Final

# One module a benchmark, each with ``register(sub)`` adding its parser.
_BENCH_MODULES: Final[tuple[str, ...]] = (
    "simulators.bench.route",
    "simulators.bench.ingest",
    "simulators.bench.recs",
    "simulators.bench.ble",
    "simulators.bench.dashboard",
    "simulators.bench.scan",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and print its figures")
    names = bench.add_subparsers(dest="bench", required=True, metavar="NAME")
    for name in _BENCH_MODULES:
        importlib.import_module(name).register(names)
