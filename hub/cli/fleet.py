"""``instore-hub fleet init|acl|rotate|revoke``: the store's broker security files."""

from __future__ import annotations

import argparse
from pathlib import Path

from console import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``fleet`` and its actions to ``instore-hub``."""
    fleet = sub.add_parser("fleet", help="broker passwords, ACL, certificates, revocation")
    fsub = fleet.add_subparsers(dest="fleet_command", required=True, metavar="ACTION")

    init = fsub.add_parser("init", help="make the CA, certificates, passwords, ACL and CRL")
    init.add_argument("configs", nargs="+", type=Path, metavar="CONFIG")
    init.add_argument("--dir", type=Path, required=True, help="folder for the security files")
    init.add_argument("--hostname", action="append", default=[], help="broker DNS name")
    init.add_argument("--ip", action="append", default=[], help="broker IP address")
    init.add_argument("--tls-port", type=int, default=8883)
    init.set_defaults(handler=_init)

    acl = fsub.add_parser("acl", help="regenerate the ACL from the configs")
    acl.add_argument("configs", nargs="+", type=Path, metavar="CONFIG")
    acl.add_argument("--dir", type=Path, required=True)
    acl.add_argument("--broker-pid", type=int, help="send this Mosquitto SIGHUP afterwards")
    acl.set_defaults(handler=_acl)

    rotate = fsub.add_parser("rotate", help="new password and certificate for one user")
    rotate.add_argument("user", help="device id, or 'hub'")
    rotate.add_argument("--dir", type=Path, required=True)
    rotate.add_argument("--broker-pid", type=int)
    rotate.set_defaults(handler=_rotate)

    revoke = fsub.add_parser("revoke", help="refuse a lost or stolen device at the broker")
    revoke.add_argument("device")
    revoke.add_argument("--dir", type=Path, required=True)
    revoke.add_argument("--reason", default="lost or stolen")
    revoke.add_argument("--broker-pid", type=int)
    revoke.set_defaults(handler=_revoke)


def _reload(pid: int | None) -> None:
    from hub.fleet.revocation import reload_broker  # noqa: PLC0415

    if pid is not None:
        reload_broker(pid)
        say(f"sent SIGHUP to broker {pid}")


def _init(args: argparse.Namespace) -> int:
    from hub.fleet.store_security import (  # noqa: PLC0415
        broker_config_lines,
        create_store_security,
        save_credentials,
        store_devices,
    )

    store, devices = store_devices(args.configs)
    security = create_store_security(
        args.dir,
        store,
        devices,
        broker_hostnames=args.hostname or ["localhost"],
        broker_ips=args.ip or ["127.0.0.1"],
    )
    creds = save_credentials(security.files, security.passwords)
    say(f"store {store}: CA, broker, hub and {len(devices)} device certificates in {args.dir}")
    say(f"passwords (hand each to its device, then delete): {creds}")
    say("broker config lines:")
    for line in broker_config_lines(security.files, tls_port=args.tls_port):
        say(f"  {line}")
    return 0


def _acl(args: argparse.Namespace) -> int:
    from hub.fleet.store_security import FleetFiles, regenerate_acl, store_devices  # noqa: PLC0415

    store, devices = store_devices(args.configs)
    files = FleetFiles(args.dir)
    kept = regenerate_acl(files, store, devices)
    say(f"ACL for {len(kept)} devices written to {files.acl_file}")
    _reload(args.broker_pid)
    return 0


def _rotate(args: argparse.Namespace) -> int:
    """Key rotation: a new password and key pair; the old certificate goes on the CRL."""
    from hub.fleet.store_security import FleetFiles, rotate_user, save_credentials  # noqa: PLC0415

    files = FleetFiles(args.dir)
    password = rotate_user(files, args.user)
    creds = save_credentials(files, {args.user: password})
    say(f"{args.user}: new certificate {files.client_cert(args.user)}, new password in {creds}")
    _reload(args.broker_pid)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from hub.fleet.store_security import FleetFiles, revoke_at_broker  # noqa: PLC0415

    revoke_at_broker(FleetFiles(args.dir), args.device, args.reason)
    say(f"revoked {args.device}: password removed, certificate on the CRL")
    _reload(args.broker_pid)
    if args.broker_pid is None:
        say("send the broker SIGHUP now (or pass --broker-pid) for it to take effect")
    return 0
