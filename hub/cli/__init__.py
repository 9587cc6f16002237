"""``instore-hub``: run the hub, enrol devices, manage users and backups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from console import build_parser, dispatch
from edge.errors import EdgeError
from hub.errors import HubError

_COMMAND_MODULES: Final[tuple[str, ...]] = (
    "hub.cli.run",
    "hub.cli.device",
    "hub.cli.user",
    "hub.cli.privacy",
    "hub.cli.fleet",
    "hub.api_docs",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("instore-hub", "The instore store hub.", _COMMAND_MODULES)
    # EdgeError: the hub also opens maps (phone pages), whose errors are the edge's.
    return dispatch(parser, argv, (HubError, EdgeError))
