"""``instore-hub backup`` / ``restore``: the hub database and the key store, apart.

A backup is a directory ``backups/<stamp>/`` holding ``hub.db`` (events under shopper
keys, the ledger, the audit log), ``shopper-keys.db`` (the wrapped shopper keys) and
``manifest.json``. The key store copy is kept only ``backup_key_days``; after that the
data in every older copy is unreadable for good. So an erasure is complete when the
last key-store copy made before it has expired: :func:`last_key_copy_expiry` says when.

A restore re-applies every erasure recorded since (``keys/erased.list``), so an old
backup never brings an erased shopper back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

import orjson

from hub.consent.settings import ConsentError
from hub.consent.shredding import keystore_path, open_keystore
from hub.settings import HubHome

MANIFEST: Final = "manifest.json"
KEYS_FILE: Final = "shopper-keys.db"
DB_FILE: Final = "hub.db"


@dataclass(frozen=True, slots=True)
class Manifest:
    created: float
    keys_expire_at: float
    keys_present: bool


def backups_root(home: HubHome) -> Path:
    return home.root / "backups"


def erased_list(home: HubHome) -> Path:
    return home.root / "keys" / "erased.list"


def record_erasure(home: HubHome, subject: str, at: float) -> None:
    """Append ``subject`` to the erasure list (pseudonyms only), durably."""
    path = erased_list(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, f"{subject}\t{at:.3f}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def erased_subjects(home: HubHome, since: float = 0.0) -> list[str]:
    """Pseudonyms erased at or after ``since`` (all of them by default)."""
    path = erased_list(home)
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        subject, _, at = line.partition("\t")
        if subject and float(at or 0) >= since:
            found.append(subject)
    return found


def _copy_db(src: Path, dest: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        out = sqlite3.connect(dest)
        try:
            source.backup(out)
        finally:
            out.close()
            source.close()
    except sqlite3.Error as exc:
        raise ConsentError(f"cannot back up {src}: {exc}") from exc


def read_manifest(folder: Path) -> Manifest:
    try:
        raw = orjson.loads((folder / MANIFEST).read_bytes())
        return Manifest(
            float(raw["created"]), float(raw["keys_expire_at"]), bool(raw["keys_present"])
        )
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConsentError(f"{folder} is not an instore hub backup") from exc


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    (folder / MANIFEST).write_bytes(orjson.dumps(asdict(manifest)))


def make_backup(home: HubHome, now: float, keep_key_days: int, root: Path | None = None) -> Path:
    """Copy the hub database and the key store into a new backup directory; return it."""
    folder = (root or backups_root(home)) / f"{int(now * 1000):015d}"
    folder.mkdir(parents=True, exist_ok=False)
    _copy_db(home.db_path, folder / DB_FILE)
    keys = keystore_path(home)
    if keys.exists():
        _copy_db(keys, folder / KEYS_FILE)
    _write_manifest(folder, Manifest(now, now + keep_key_days * 86400.0, keys.exists()))
    return folder


def list_backups(home: HubHome, root: Path | None = None) -> list[tuple[Path, Manifest]]:
    base = root or backups_root(home)
    if not base.exists():
        return []
    folders = sorted(p for p in base.iterdir() if (p / MANIFEST).exists())
    return [(folder, read_manifest(folder)) for folder in folders]


def prune(home: HubHome, now: float, root: Path | None = None) -> list[Path]:
    """Delete every key-store copy whose time is up; return the backups touched."""
    touched = []
    for folder, manifest in list_backups(home, root):
        keys = folder / KEYS_FILE
        if manifest.keys_present and manifest.keys_expire_at <= now:
            _shred_file(keys)
            _write_manifest(folder, Manifest(manifest.created, manifest.keys_expire_at, False))
            touched.append(folder)
    return touched


def _shred_file(path: Path) -> None:
    """Overwrite then delete (best effort on copy-on-write file systems)."""
    with contextlib.suppress(FileNotFoundError):
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.write(bytes(size))
            f.flush()
            os.fsync(f.fileno())
        path.unlink()


def last_key_copy_expiry(home: HubHome, erased_at: float, root: Path | None = None) -> float | None:
    """When the last key-store copy that may hold a key erased at ``erased_at`` expires;
    None if no such copy exists (the erasure is already complete everywhere)."""
    times = [
        m.keys_expire_at
        for _, m in list_backups(home, root)
        if m.keys_present and m.created <= erased_at
    ]
    return max(times) if times else None


def restore(home: HubHome, folder: Path, now: float) -> int:
    """Put a backup back into ``home`` (the hub must be stopped); re-apply erasures.

    Returns how many erasures were re-applied. An expired key store is not restored.
    """
    manifest = read_manifest(folder)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{home.db_path}{suffix}").unlink()
    shutil.copyfile(folder / DB_FILE, home.db_path)
    keys = keystore_path(home)
    if manifest.keys_present and manifest.keys_expire_at > now and (folder / KEYS_FILE).exists():
        keys.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            keys.unlink()
        shutil.copyfile(folder / KEYS_FILE, keys)
    # Only erasures the backup does not know of: a shopper who came back after an older
    # erasure keeps what they gave since.
    erased = erased_subjects(home, since=manifest.created)
    if not erased:
        return 0
    store = open_keystore(keys)
    db = sqlite3.connect(home.db_path, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete=ON")
        for subject in erased:
            store.execute("DELETE FROM shopper_keys WHERE subject = ?", (subject,))
            db.execute(
                "UPDATE events SET data = NULL, subject = NULL, consent = NULL WHERE subject = ?",
                (subject,),
            )
            with contextlib.suppress(sqlite3.OperationalError):  # consent tables may be absent
                db.execute("DELETE FROM ble_keys WHERE subject = ?", (subject,))
                db.execute("UPDATE consents SET granted = 0 WHERE subject = ?", (subject,))
    finally:
        db.close()
        store.close()
    return len(erased)
