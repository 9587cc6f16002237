"""Options that several ``instore-hub`` commands share."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

DEFAULT_DATA_DIR: Final = Path("var/hub")


def add_data(parser: argparse.ArgumentParser) -> None:
    """``--data``: the hub's data directory, as ``instore-hub init`` made it."""
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, help="the hub's data directory"
    )
