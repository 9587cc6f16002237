"""``instore-sim attack --json``: start a store with its real security (or take a running
one, ``--target FILE``), attack it, and exit non-zero if any attack worked."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from console import say
from simulators.errors import SimError

if TYPE_CHECKING:
    from simulators.attack.target import Target


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser("attack", help="attack a store with its real security")
    cmd.add_argument(
        "--target",
        type=Path,
        help="a running store, described in JSON (simulators/attack/target.py); "
        "without it a simulated store is started",
    )
    cmd.add_argument("--only", action="append", default=[], metavar="PREFIX",
                     help="run only probes whose name starts so (repeatable)")  # fmt: skip
    cmd.add_argument("--keep", type=Path, help="keep the simulated store's files here")
    cmd.add_argument("--json", action="store_true", help="print one JSON object")
    cmd.set_defaults(handler=_command)


def _command(args: argparse.Namespace) -> int:
    from pydantic import ValidationError  # noqa: PLC0415

    from simulators.attack.target import Target, simulated_store  # noqa: PLC0415

    if args.target is not None:
        try:
            target = Target.model_validate_json(args.target.read_bytes())
        except (OSError, ValidationError) as exc:
            raise SimError(f"{args.target}: not a target description: {exc}") from exc
        result = _run(target, args.only)
    else:
        root = args.keep or Path(tempfile.mkdtemp(prefix="instore-attack-"))
        try:
            with simulated_store(root) as target:
                result = _run(target, args.only)
        finally:
            if args.keep is None:
                shutil.rmtree(root, ignore_errors=True)
    if args.json:
        say(orjson.dumps(result).decode())
    else:
        for name, found in result["by_probe"].items():
            verdict = {True: "SUCCEEDED", False: "held", None: "ERROR"}[found["succeeded"]]
            say(f"{verdict:9} {name}: {found['what']}")
        say(f"{result['succeeded']} of {result['probes']} attacks succeeded")
    for name, found in result["by_probe"].items():
        if found["succeeded"] is not False:
            print(f"{name}: {found['what']}", file=sys.stderr)
    return 1 if result["succeeded"] or result["errors"] else 0


def _run(target: Target, only: list[str]) -> dict[str, Any]:
    from simulators.attack.run import run_attack  # noqa: PLC0415

    try:
        return run_attack(target, only)
    except ValueError as exc:
        raise SimError(str(exc)) from exc
