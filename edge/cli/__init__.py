"""``instore-edge``: the edge agent and its proof commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from console import build_parser, dispatch

# Each module owns its subcommand and registers it with ``register(sub)``.
_COMMAND_MODULES: Final[tuple[str, ...]] = (
    "edge.cli.run",
    "edge.cli.map",
    "edge.cli.ble",
    "edge.cli.scan",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("instore-edge", "The instore edge agent.", _COMMAND_MODULES)
    return dispatch(parser, argv)
