"""``instore-hub ledger verify``: check the consent ledger and the audit log."""

from __future__ import annotations

import argparse
import dataclasses

import orjson

from console import say
from hub.cli.options import add_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = sub.add_parser("ledger", help="the consent ledger and the audit log")
    lsub = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    verify = lsub.add_parser("verify", help="check every link and signature of both chains")
    add_data(verify)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace) -> int:
    from hub.consent.registry import ConsentRegistry  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    registry = ConsentRegistry(HubHome.existing(args.data))
    try:
        reports = registry.verify()
    finally:
        registry.close()
    if args.json:
        say(orjson.dumps([dataclasses.asdict(r) for r in reports]).decode())
    else:
        for r in reports:
            where = "" if r.ok else f" (entry {r.first_bad}: {r.reason})"
            state = "ok" if r.ok else "BROKEN"
            say(f"{r.table}: {r.entries} entries, {state}{where}, head {r.head}")
    return 0 if all(r.ok for r in reports) else 1
