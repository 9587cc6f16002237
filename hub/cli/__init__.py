"""``instore-hub``: run the hub, enrol devices, manage users and backups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from console import build_parser, dispatch

_COMMAND_MODULES: Final[tuple[str, ...]] = (
    "hub.cli.run",
    "hub.cli.init",
    "hub.cli.device",
    "hub.cli.user",
    "hub.cli.ledger",
    "hub.cli.backup",
    "hub.cli.restore",
    "hub.cli.privacy",
    "hub.cli.fleet",
    "hub.cli.keys",
    "hub.cli.api_docs",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("instore-hub", "The instore store hub.", _COMMAND_MODULES)
    return dispatch(parser, argv)
