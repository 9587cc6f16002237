"""``instore-sim``: simulated stores, benchmarks, chaos and the privacy audit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from console import build_parser, dispatch

# Top-level subcommands; each module registers its own with ``register(sub)``.
_COMMAND_MODULES: Final[tuple[str, ...]] = (
    "simulators.cli.bench",
    "simulators.cli.demo",
    "simulators.cli.chaos",
    "simulators.cli.device",
    "simulators.cli.privacy_audit",
    "simulators.cli.train_recs",
    "simulators.cli.venue",
    "simulators.cli.ble_world",
    "simulators.cli.ble_record",
    "simulators.cli.ble_calibrate",
    "simulators.cli.attack",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("instore-sim", "Simulators, benchmarks and audits.", _COMMAND_MODULES)
    return dispatch(parser, argv)
