"""``instore-hub init``: a hub data directory for one store."""

from __future__ import annotations

import argparse

from console import say
from hub.cli.options import add_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser("init", help="create a hub data directory for one store")
    add_data(init)
    init.add_argument("--store", required=True, help="store id, [a-z0-9-]{1,40}")
    init.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    from hub.settings import HubHome, HubSettings, parse_broker_url  # noqa: PLC0415
    from hub.storage import SqliteEventStore  # noqa: PLC0415

    home = HubHome(args.data)
    home.init(HubSettings(store=args.store, broker=parse_broker_url(args.broker)))
    SqliteEventStore(home.db_path).close()
    say(f"hub data directory ready: {args.data} (store {args.store})")
    return 0
