"""``instore-hub privacy records|notice|retention``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import orjson

from console import say
from hub.cli.options import add_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pv = sub.add_parser("privacy", help="records of processing, the in-store notice, retention")
    psub = pv.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    rec = psub.add_parser("records", help="GDPR Art. 30 records and the fideslang data map")
    add_data(rec)
    rec.set_defaults(handler=_records)
    note = psub.add_parser("notice", help="write the printable in-store notice (HTML)")
    add_data(note)
    note.add_argument("--out", type=Path, required=True)
    note.set_defaults(handler=_notice)
    ret = psub.add_parser("retention", help="delete events past their purpose's retention")
    add_data(ret)
    ret.set_defaults(handler=_retention)


def _records(args: argparse.Namespace) -> int:
    from hub.consent.datamap import fideslang_dataset, records_of_processing  # noqa: PLC0415
    from hub.consent.settings import load_settings  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    settings = load_settings(HubHome.existing(args.data))
    out = {
        "records_of_processing": records_of_processing(settings),
        "data_map": fideslang_dataset(),
    }
    say(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    return 0


def _notice(args: argparse.Namespace) -> int:
    from hub.consent.datamap import notice_html  # noqa: PLC0415
    from hub.consent.settings import load_settings  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    args.out.write_text(notice_html(load_settings(HubHome.existing(args.data))))
    say(f"notice written: {args.out} (print it; the QR code opens the consent center)")
    return 0


def _retention(args: argparse.Namespace) -> int:
    from hub.consent.registry import ConsentRegistry  # noqa: PLC0415
    from hub.consent.retention import enforce_retention  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415

    registry = ConsentRegistry(HubHome.existing(args.data))
    try:
        deleted = enforce_retention(registry.db, registry.settings, time.time(), registry.lock)
    finally:
        registry.close()
    say(orjson.dumps(deleted).decode())
    return 0
