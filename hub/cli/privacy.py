"""``instore-hub ledger verify``, ``backup``, ``restore``, ``privacy records|notice|retention``."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import orjson

from console import say
from hub.consent import backup
from hub.consent.datamap import fideslang_dataset, notice_html, records_of_processing
from hub.consent.registry import ConsentRegistry
from hub.consent.retention import enforce_retention
from hub.consent.settings import ConsentError, load_settings
from hub.settings import DEFAULT_DATA_DIR, HubHome
from protocol.timefmt import from_unix, rfc3339_ms


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = sub.add_parser("ledger", help="the consent ledger and the audit log")
    lsub = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    verify = lsub.add_parser("verify", help="check every link and signature of both chains")
    verify.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_verify)

    bk = sub.add_parser("backup", help="back up the hub database and the key store")
    bk.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    bk.add_argument("--to", type=Path, help="backup root (default: DATA/backups)")
    bk.add_argument("--prune", action="store_true", help="also delete expired key-store copies")
    bk.set_defaults(handler=_backup)

    rs = sub.add_parser("restore", help="restore a backup (hub stopped); re-applies erasures")
    rs.add_argument("backup", type=Path, help="a backup directory")
    rs.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    rs.set_defaults(handler=_restore)

    pv = sub.add_parser("privacy", help="records of processing, the in-store notice, retention")
    psub = pv.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    rec = psub.add_parser("records", help="GDPR Art. 30 records and the fideslang data map")
    rec.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    rec.set_defaults(handler=_records)
    note = psub.add_parser("notice", help="write the printable in-store notice (HTML)")
    note.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    note.add_argument("--out", type=Path, required=True)
    note.set_defaults(handler=_notice)
    ret = psub.add_parser("retention", help="delete events past their purpose's retention")
    ret.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    ret.set_defaults(handler=_retention)


def _home(data: Path) -> HubHome:
    """The hub data directory, refusing one that ``instore-hub init`` did not make."""
    home = HubHome(data)
    home.settings()  # raises HubError with a sentence if it is not a hub directory
    return home


def _verify(args: argparse.Namespace) -> int:
    registry = ConsentRegistry(_home(args.data))
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


def _backup(args: argparse.Namespace) -> int:
    home = _home(args.data)
    settings = load_settings(home)
    now = time.time()
    folder = backup.make_backup(home, now, settings.backup_key_days, args.to)
    expires = rfc3339_ms(from_unix(now + settings.backup_key_days * 86400))
    say(f"backup written: {folder} (its key store expires {expires})")
    if args.prune:
        for done in backup.prune(home, now, args.to):
            say(f"expired key store deleted: {done}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    home = _home(args.data)
    if not (args.backup / backup.MANIFEST).exists():
        raise ConsentError(f"{args.backup} is not a backup directory")
    erased = backup.restore(home, args.backup, time.time())
    say(f"restored {args.backup}; re-applied {erased} erasures")
    return 0


def _records(args: argparse.Namespace) -> int:
    settings = load_settings(_home(args.data))
    out = {
        "records_of_processing": records_of_processing(settings),
        "data_map": fideslang_dataset(),
    }
    say(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())
    return 0


def _notice(args: argparse.Namespace) -> int:
    args.out.write_text(notice_html(load_settings(_home(args.data))))
    say(f"notice written: {args.out} (print it; the QR code opens the consent center)")
    return 0


def _retention(args: argparse.Namespace) -> int:
    registry = ConsentRegistry(_home(args.data))
    try:
        deleted = enforce_retention(registry.db, registry.settings, time.time(), registry.lock)
    finally:
        registry.close()
    say(orjson.dumps(deleted).decode())
    return 0
