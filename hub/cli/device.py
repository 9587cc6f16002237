"""``instore-hub device add|revoke|rotate-key|refresh|list``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from console import say
from hub.cli.options import add_data
from protocol.kinds import DeviceKind


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    device = sub.add_parser("device", help="enrol, revoke and list devices")
    dsub = device.add_subparsers(dest="device_command", required=True, metavar="ACTION")
    add = dsub.add_parser("add", help="enrol a device: make its key pair and identity file")
    add.add_argument("id", help="device id, [a-z0-9-]{1,40}")
    add.add_argument("--kind", choices=[k.value for k in DeviceKind], required=True)
    add_data(add)
    add.add_argument("--out", type=Path, help="where to write the identity file")
    add.set_defaults(handler=_add)
    rev = dsub.add_parser("revoke", help="refuse a lost or stolen device from now on")
    rev.add_argument("id")
    add_data(rev)
    rev.add_argument("--fleet-dir", type=Path, help="the store's broker security files")
    rev.add_argument("--broker-pid", type=int, help="send this Mosquitto SIGHUP afterwards")
    rev.add_argument("--reason", default="lost or stolen")
    rev.set_defaults(handler=_revoke)
    rot = dsub.add_parser("rotate-key", help="give a device a new signing key pair")
    rot.add_argument("id")
    add_data(rot)
    rot.add_argument("--identity", type=Path, required=True, help="the device's identity file")
    rot.set_defaults(handler=_rotate)
    ref = dsub.add_parser(
        "refresh", help="write the hub keys a device trusts into its identity file"
    )
    ref.add_argument("id")
    add_data(ref)
    ref.add_argument("--identity", type=Path, required=True, help="the device's identity file")
    ref.set_defaults(handler=_refresh)
    lst = dsub.add_parser("list", help="list enrolled devices")
    add_data(lst)
    lst.set_defaults(handler=_list)


def _add(args: argparse.Namespace) -> int:
    from hub.registry import enrol_device  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    path = enrol_device(HubHome(args.data), args.id, DeviceKind(args.kind), args.out)
    say(f"enrolled {args.id} ({args.kind}); identity file: {path}")
    say("copy it to the device and start it with: instore-edge run --identity <file>")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    """Refuse the device everywhere (hub/fleet/store_security.py: revoke_everywhere)."""
    from hub.fleet.store_security import revoke_everywhere  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    said = revoke_everywhere(
        HubHome.existing(args.data),
        args.id,
        args.reason,
        fleet_dir=args.fleet_dir,
        broker_pid=args.broker_pid,
    )
    for line in said:
        say(line)
    return 0


def _rotate(args: argparse.Namespace) -> int:
    """A new key pair: the hub keeps the public half, the identity file gets the private."""
    from hub import registry  # noqa: PLC0415
    from hub.errors import EnrolmentError  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415
    from hub.storage import SqliteEventStore  # noqa: PLC0415
    from protocol.enrolment import DeviceIdentity  # noqa: PLC0415
    from protocol.signing import (  # noqa: PLC0415
        new_signing_key,
        private_key_to_text,
        public_key_to_text,
    )

    identity = DeviceIdentity.read(args.identity)
    if identity.device != args.id:
        raise EnrolmentError(f"{args.identity} is the identity of {identity.device}, not {args.id}")
    key = new_signing_key()
    store = SqliteEventStore(HubHome(args.data).db_path)
    try:
        done = registry.rotate_key(store.db, args.id, public_key_to_text(key.public_key()))
    finally:
        store.close()
    if not done:
        raise EnrolmentError(f"{args.id} is not enrolled or is revoked")
    identity.model_copy(update={"signing_key": private_key_to_text(key)}).write(args.identity)
    say(f"new signing key for {args.id} in {args.identity}; restart the device with it")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    """The hub's current signing keys into a device's identity file: for a device enrolled
    before hub messages were signed, and after a key rotation."""
    from hub.errors import EnrolmentError  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415
    from protocol.enrolment import DeviceIdentity  # noqa: PLC0415

    home = HubHome.existing(args.data)
    identity = DeviceIdentity.read(args.identity)
    if identity.device != args.id or identity.store != home.settings().store:
        raise EnrolmentError(f"{args.identity} is not the identity of {args.id} in this store")
    keys = home.signing_public_keys()
    identity.model_copy(update={"hub_signing_keys": keys}).write(args.identity)
    say(f"{args.identity}: {args.id} trusts {len(keys)} hub key(s); restart the device")
    return 0


def _list(args: argparse.Namespace) -> int:
    from hub import registry  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415
    from hub.storage import SqliteEventStore  # noqa: PLC0415

    store = SqliteEventStore(HubHome(args.data).db_path)
    try:
        for s in registry.statuses(store.db, time.time()):
            state = "revoked" if s.revoked else ("online" if s.online else "offline")
            say(f"{s.device}\t{s.kind}\t{state}\t{s.events_stored} events")
    finally:
        store.close()
    return 0
