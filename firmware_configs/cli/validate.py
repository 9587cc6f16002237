"""``instore-config validate``, ``schema`` and ``provision``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from firmware_configs.cli.provision import register_provision
from firmware_configs.errors import ConfigError
from firmware_configs.schemas import json_schema
from firmware_configs.validation import validate_paths


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``validate``, ``schema`` and ``provision`` to ``instore-config``."""
    validate = sub.add_parser(
        "validate",
        help="check config files (folders are searched for YAML)",
        description="Print 'PATH: ok' per good file, or 'file:line: field: message' per error.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    validate.set_defaults(handler=_validate)
    schema = sub.add_parser("schema", help="print the JSON Schema of a config file")
    schema.add_argument("--out", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(handler=_schema)
    register_provision(sub)


def _validate(args: argparse.Namespace) -> int:
    report = validate_paths(args.paths)
    if not report.files:
        raise ConfigError("no YAML files found in the paths given")
    out: list[str] = []
    for path in report.files:
        findings = report.findings_for(path)
        if findings:
            out.extend(str(f) for f in findings)
        else:
            out.append(f"{path}: ok")
    # Findings about a store.yaml read only for its zones belong to no file named.
    named = set(report.files)
    out.extend(str(f) for f in report.findings if f.path not in named)
    sys.stdout.write("\n".join(out) + "\n")
    return 0 if report.ok else 1


def _schema(args: argparse.Namespace) -> int:
    text = orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    if args.out is None:
        sys.stdout.buffer.write(text)
        return 0
    try:
        args.out.write_bytes(text)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
    return 0
