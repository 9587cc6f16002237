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
from typing import Final, Protocol

from domain.errors import InputError, InstoreError
from protocol.errors import ProtocolError

Handler = Callable[[argparse.Namespace], int]


class Registrar(Protocol):
    def __call__(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


class UsageError(InputError):
    """Bad input on the command line or in a file it names: exit status 2."""


# A package a command needs that only some roles install: which install brings it.
_ROLE_OF: Final = {
    "bleak": "gateway",
    "cv2": "kiosk",
    "zxingcpp": "kiosk",
    "httpx": "kiosk",
    "fastapi": "kiosk] or [hub",
    "starlette": "kiosk] or [hub",
    "uvicorn": "kiosk] or [hub",
    "jinja2": "kiosk] or [hub",
    "onnxruntime": "kiosk] or [hub",
    "scipy": "kiosk] or [hub",
    "shapely": "kiosk] or [hub",
    "argon2": "hub",
    "multipart": "hub",
    "prometheus_client": "hub",
    "segno": "hub",
    "opendp": "hub",
    "onnx": "tools",
    "matplotlib": "tools",
    "networkx": "tools",
    "tqdm": "tools",
    "esp_idf_nvs_partition_gen": "tools",
}


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
    except ModuleNotFoundError as exc:
        role = _ROLE_OF.get((exc.name or "").split(".")[0])
        if role is None:
            raise
        print(  # noqa: T201
            f"{parser.prog}: this command needs {exc.name}, which this install does not "
            f"have: pip install 'instore[{role}]'",
            file=sys.stderr,
        )
        return 2
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
