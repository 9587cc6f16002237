"""``instore-hub backup``: the hub database and the key store, to restore later."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from console import say
from hub.cli.options import add_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bk = sub.add_parser("backup", help="back up the hub database and the key store")
    add_data(bk)
    bk.add_argument("--to", type=Path, help="backup root (default: DATA/backups)")
    bk.add_argument("--prune", action="store_true", help="also delete expired key-store copies")
    bk.set_defaults(handler=_backup)


def _backup(args: argparse.Namespace) -> int:
    from hub.consent import backup  # noqa: PLC0415
    from hub.consent.settings import load_settings  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415
    from protocol.timefmt import from_unix, rfc3339_ms  # noqa: PLC0415

    home = HubHome.existing(args.data)
    settings = load_settings(home)
    now = time.time()
    folder = backup.make_backup(home, now, settings.backup_key_days, args.to)
    expires = rfc3339_ms(from_unix(now + settings.backup_key_days * 86400))
    say(f"backup written: {folder} (its key store expires {expires})")
    if args.prune:
        for done in backup.prune(home, now, args.to):
            say(f"expired key store deleted: {done}")
    return 0
