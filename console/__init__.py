"""What every ``instore-*`` command shares: subcommands registered by the modules that own
them, and errors shown as one sentence with a non-zero exit status, never a traceback.

Each command line is a package ``<package>/cli/`` whose ``__init__`` names its subcommand
modules; each module adds its subcommand with ``register(sub)``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

from domain.errors import InputError, InstoreError
from protocol.errors import ProtocolError

Handler = Callable[[argparse.Namespace], int]


class Registrar(Protocol):
    def __call__(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


class UsageError(InputError):
    """Bad input on the command line or in a file it names: exit status 2."""


def build_parser(prog: str, description: str, modules: Sequence[str]) -> argparse.ArgumentParser:
    """A parser whose subcommands come from ``register(sub)`` in each of ``modules``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in modules:
        register: Registrar = importlib.import_module(name).register
        register(sub)
    return parser


def dispatch(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse ``argv`` and run the chosen handler; our errors become one line on stderr,
    with the error's exit status (2: bad input)."""
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ProtocolError as exc:  # bad wire data in a file the command read
        print(f"{parser.prog}: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except InstoreError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)  # noqa: T201
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def say(text: str) -> None:
    """A line of a command's output on stdout (flushed: the demo's lines are read live)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
