"""``instore-sim privacy-audit --json``: run a simulated store, then look for leaks
(simulators/privacy_audit.py); what leaked, if anything, goes to stderr."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from console import say
from edge.errors import EdgeError
from hub.errors import HubError
from simulators.errors import SimError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("privacy-audit", help="simulate a store and count privacy leaks")
    cmd.add_argument("--shoppers", type=int, default=240)
    cmd.add_argument("--withdrawals", type=int, default=210)
    cmd.add_argument("--erasures", type=int, default=20)
    cmd.add_argument("--devices", type=int, default=20)
    cmd.add_argument("--seed", type=int, default=7)
    cmd.add_argument("--keep", type=Path, help="keep the run's files in this directory")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(handler=_command)


def _command(args: argparse.Namespace) -> int:
    if args.shoppers < 8 or args.devices < 2:
        raise SimError("the audit needs at least 8 shoppers and 2 devices")
    root = args.keep or Path(tempfile.mkdtemp(prefix="instore-privacy-"))
    try:
        result, detail = _run_translated(
            root,
            shoppers=args.shoppers,
            withdrawals=args.withdrawals,
            erasures=args.erasures,
            devices=args.devices,
            seed=args.seed,
        )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        say(orjson.dumps(result).decode())
    else:
        for key, value in result.items():
            say(f"{key}: {value}")
    for line in detail:
        print(line, file=sys.stderr)  # what leaked, for whoever reads the log
    return 0


def _run_translated(root: Path, **kwargs: int) -> tuple[dict[str, Any], list[str]]:
    from simulators.privacy_audit import run_audit  # noqa: PLC0415

    try:
        return run_audit(root, **kwargs)
    except (HubError, EdgeError) as exc:
        raise SimError(f"the audit's store failed: {exc}") from exc
