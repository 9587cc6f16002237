"""``instore-config schema``: the JSON Schema of a config file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from firmware_configs.errors import ConfigError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schema = sub.add_parser("schema", help="print the JSON Schema of a config file")
    schema.add_argument("--out", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    from firmware_configs.schemas import json_schema  # noqa: PLC0415

    text = orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    if args.out is None:
        sys.stdout.buffer.write(text)
        return 0
    try:
        args.out.write_bytes(text)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
    return 0
