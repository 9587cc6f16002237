"""``instore-hub restore``: put a backup back (hub stopped), erasures re-applied."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from console import say
from hub.cli.options import add_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rs = sub.add_parser("restore", help="restore a backup (hub stopped); re-applies erasures")
    rs.add_argument("backup", type=Path, help="a backup directory")
    add_data(rs)
    rs.set_defaults(handler=_restore)


def _restore(args: argparse.Namespace) -> int:
    from hub.consent import backup  # noqa: PLC0415
    from hub.consent.settings import ConsentError  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    home = HubHome.existing(args.data)
    if not (args.backup / backup.MANIFEST).exists():
        raise ConsentError(f"{args.backup} is not a backup directory")
    erased = backup.restore(home, args.backup, time.time())
    say(f"restored {args.backup}; re-applied {erased} erasures")
    return 0
