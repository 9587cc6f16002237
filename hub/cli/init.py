"""``instore-hub init``: a hub data directory for one store."""

from __future__ import annotations

import argparse
from pathlib import Path

from console import say
from hub.cli.options import add_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser("init", help="create a hub data directory for one store")
    add_data(init)
    init.add_argument("--store", required=True, help="store id, [a-z0-9-]{1,40}")
    init.add_argument(
        "--broker",
        default="mqtt://127.0.0.1:1883",
        help="mqtt[s]://[USER:PASSWORD@]HOST:PORT, the hub's login",
    )
    init.add_argument(
        "--fleet-dir",
        type=Path,
        help="the store's broker security (instore-hub fleet init): the hub's two logins, "
        "their certificates and the CA come from there, and revoking a device also shuts "
        "it out of the broker",
    )
    init.add_argument("--broker-pid-file", type=Path, help="Mosquitto's pid file, to reload it")
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    from hub.settings import HubHome, HubSettings, parse_broker_url  # noqa: PLC0415
    from hub.storage import SqliteEventStore  # noqa: PLC0415

    broker = parse_broker_url(args.broker)
    consent = None
    if args.fleet_dir is not None:
        from hub.fleet.store_security import hub_logins  # noqa: PLC0415

        broker, consent = hub_logins(args.fleet_dir, broker, tls=args.broker.startswith("mqtts"))
    home = HubHome(args.data)
    home.init(
        HubSettings(
            store=args.store,
            broker=broker,
            consent_broker=consent,
            fleet_dir=args.fleet_dir.resolve() if args.fleet_dir else None,
            broker_pid_file=args.broker_pid_file,
        )
    )
    SqliteEventStore(home.db_path).close()
    say(f"hub data directory ready: {args.data} (store {args.store})")
    if args.fleet_dir is not None:
        say("the hub's broker passwords are now in its hub.yaml: delete credentials.json")
    return 0
