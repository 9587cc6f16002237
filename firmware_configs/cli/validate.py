"""``instore-config validate``: check config files, with located errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from firmware_configs.errors import ConfigError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = sub.add_parser(
        "validate",
        help="check config files (folders are searched for YAML)",
        description="Print 'PATH: ok' per good file, or 'file:line: field: message' per error.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    from firmware_configs.validation import validate_paths  # noqa: PLC0415

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
