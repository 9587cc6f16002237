"""``instore-sim venue``: write the demo store as IMDF with its planogram
(simulators/venue.py)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("venue", help="write the demo store as IMDF with its planogram")
    parser.add_argument("dest", type=Path, help="folder to write (created if missing)")
    parser.set_defaults(handler=_write_command)


def _write_command(args: argparse.Namespace) -> int:
    from simulators.venue import write_demo_venue  # noqa: PLC0415

    demo = write_demo_venue(args.dest)
    print(f"{demo.imdf} (kiosk {demo.entrance_kiosk}, planogram {demo.planogram.name})")
    return 0
