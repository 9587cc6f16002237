"""``instore-config``: validate configs and export their JSON Schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from console import build_parser, dispatch

_COMMAND_MODULES: Final[tuple[str, ...]] = (
    "firmware_configs.cli.validate",
    "firmware_configs.cli.schema",
    "firmware_configs.cli.provision",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser("instore-config", "Validate instore configs.", _COMMAND_MODULES)
    return dispatch(parser, argv)
