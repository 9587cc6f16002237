"""``instore-hub keys show|rotate|retire``: the hub's signing keys, which sign everything
it tells a device (protocol/envelope.py).

A rotation: ``rotate`` makes a new current key, and the old one goes on signing beside it,
so devices that trust only the old key still take every message; ``device refresh`` then
writes the new key into each device's identity file (each device restarts with it); once
every device has it, ``retire`` stops the old key. Restart the hub after each step.
"""

from __future__ import annotations

import argparse

from console import say
from hub.cli.options import add_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="the hub's signing keys: show, rotate, retire")
    verbs = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    show = verbs.add_parser("show", help="the public keys devices must trust")
    add_data(show)
    show.set_defaults(handler=_show)
    rotate = verbs.add_parser("rotate", help="a new key; the old one signs too until retired")
    add_data(rotate)
    rotate.set_defaults(handler=_rotate)
    retire = verbs.add_parser("retire", help="stop signing with the old key")
    add_data(retire)
    retire.set_defaults(handler=_retire)


def _show(args: argparse.Namespace) -> int:
    from hub.settings import HubHome  # noqa: PLC0415
    from protocol.envelope import key_id  # noqa: PLC0415
    from protocol.signing import public_key_to_text  # noqa: PLC0415

    keys = HubHome.existing(args.data).signer().keys
    for i, key in enumerate(keys):
        public = key.public_key()
        role = "current" if i == 0 else "retiring"
        say(f"{key_id(public)}  {public_key_to_text(public)}  ({role})")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from hub.settings import HubHome  # noqa: PLC0415

    HubHome.existing(args.data).rotate_signing_key()
    say("new hub signing key made; the old one signs too. Next: `instore-hub device refresh`")
    say("for every device, restart the hub, then `instore-hub keys retire`")
    return 0


def _retire(args: argparse.Namespace) -> int:
    from hub.settings import HubHome  # noqa: PLC0415

    if not HubHome.existing(args.data).retire_signing_key():
        say("no rotation under way: nothing to retire")
        return 1
    say("the old hub signing key is gone; restart the hub")
    return 0
