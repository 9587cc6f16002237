"""``instore-hub api-docs``: write the AsyncAPI and OpenAPI documents, or ``--check`` that
the committed copies are current (the test suite runs it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from console import say
from hub.errors import HubError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    docs = sub.add_parser("api-docs", help="write (or --check) the AsyncAPI and OpenAPI docs")
    docs.add_argument("--out", type=Path, default=Path("docs/api"), help="where the documents go")
    docs.add_argument("--check", action="store_true", help="fail if the files are not current")
    docs.set_defaults(handler=_api_docs)


def _api_docs(args: argparse.Namespace) -> int:
    from hub.api_docs import documents  # noqa: PLC0415

    stale = []
    for name, content in documents().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        say(f"wrote {path}")
    if stale:
        raise HubError(f"stale: {', '.join(stale)}; run `instore-hub api-docs` and commit them")
    if args.check:
        say("api docs are current")
    return 0
