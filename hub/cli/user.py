"""``instore-hub user add|list|passwd``: dashboard accounts from the command line.

The first admin is made here; there is never a default password. The password is
read from the terminal (asked twice), from stdin with ``--password-stdin``, or
generated with ``--generate`` and printed once.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from console import say
from hub.cli.options import add_data
from hub.dashboard.roles import Role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="manage dashboard users")
    actions = user.add_subparsers(dest="user_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user (the first admin starts here)")
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], required=True)
    add_data(add)
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument("--generate", action="store_true", help="generate one and print it once")
    add.set_defaults(handler=_add)
    lst = actions.add_parser("list", help="list users and roles")
    add_data(lst)
    lst.set_defaults(handler=_list)
    pw = actions.add_parser("passwd", help="set a new password (logs the user out)")
    pw.add_argument("name")
    add_data(pw)
    pw_how = pw.add_mutually_exclusive_group()
    pw_how.add_argument("--password-stdin", action="store_true")
    pw_how.add_argument("--generate", action="store_true")
    pw.set_defaults(handler=_passwd)


def _password(args: argparse.Namespace) -> str:
    from hub.dashboard.auth import UserError  # noqa: PLC0415
    from hub.dashboard.pages_admin import generated_password  # noqa: PLC0415

    if args.generate:
        return generated_password()
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UserError("no terminal to ask for a password: use --password-stdin or --generate")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    from hub.dashboard import auth  # noqa: PLC0415
    from hub.dashboard.schema import open_writer  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    home = HubHome.existing(args.data)
    password = _password(args)
    db = open_writer(home.db_path)
    try:
        auth.add_user(db, args.name, Role(args.role), password, time.time())
    finally:
        db.close()
    say(f"added {args.name} ({args.role})")
    if args.generate:
        say(f"password (shown once): {password}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from hub.dashboard import auth  # noqa: PLC0415
    from hub.dashboard.schema import open_writer  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    db = open_writer(HubHome.existing(args.data).db_path)
    try:
        for name, role, _created, disabled in auth.list_users(db):
            say("\t".join([name, role, *(["disabled"] if disabled else [])]))
    finally:
        db.close()
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from hub.dashboard import auth  # noqa: PLC0415
    from hub.dashboard.schema import open_writer  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    home = HubHome.existing(args.data)
    password = _password(args)
    db = open_writer(home.db_path)
    try:
        auth.set_password(db, args.name, password)
    finally:
        db.close()
    say(f"new password set for {args.name}")
    if args.generate:
        say(f"password (shown once): {password}")
    return 0
