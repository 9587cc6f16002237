"""``instore-hub``: run the hub, enrol devices, manage users and backups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from console import build_parser, run
from edge.errors import EdgeError
from hub.errors import HubError

_COMMAND_MODULES: Final[tuple[str, ...]] = (
    "hub.run_cli",
    "hub.enrol",
    "hub.dashboard.users_cli",
    "hub.consent.cli",
    "hub.fleet.commands",
    "hub.api_docs",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("instore-hub", "The instore store hub.", _COMMAND_MODULES)
    # EdgeError: the hub also opens maps (phone pages), whose errors are the edge's.
    return run(parser, argv, (HubError, EdgeError))
