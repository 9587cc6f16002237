"""Crypto-shredding: each shopper's event data under their own AES-256-GCM key.

Edges seal personal data to the hub's X25519 key. At ingest the :class:`DataProtector`
opens it and re-encrypts it under the shopper's data key (associated data: subject and
event id, so a blob cannot be moved to another shopper or event). Data keys are stored
wrapped (AES key wrap, RFC 3394) by the hub's ``wrap.key`` in their own small database,
``keys/shopper-keys.db``, which backups keep only for a stated number of days. Erasure
deletes the wrapped key and the cached copy: every copy of the data, backups included,
becomes unreadable once the last key-store backup holding the key has expired.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Final

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from pydantic import JsonValue

from hub.consent.settings import ConsentError
from hub.errors import StorageError
from hub.settings import HubHome
from protocol.errors import SealError
from protocol.sealing import open_sealed

MAGIC: Final = b"SK1"  # stored-data format 1: MAGIC || nonce(12) || AES-GCM(ciphertext+tag)
NONCE_LEN: Final = 12
KEY_LEN: Final = 32  # AES-256


def keystore_path(home: HubHome) -> Path:
    return home.root / "keys" / "shopper-keys.db"


def open_keystore(path: Path) -> sqlite3.Connection:
    """The key store: rollback journal (no WAL copies of keys), secure_delete on."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA secure_delete=ON")  # a deleted key is overwritten in the file
        db.execute(
            "CREATE TABLE IF NOT EXISTS shopper_keys "
            "(subject TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created REAL NOT NULL)"
        )
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the key store {path}: {exc}") from exc
    return db


def aad(subject: str, event_id: str) -> bytes:
    return f"{subject}|{event_id}".encode()


def encrypt(key: bytes, subject: str, event_id: str, plain: bytes) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plain, aad(subject, event_id))


def decrypt(key: bytes, subject: str, event_id: str, blob: bytes) -> bytes:
    """Raise :class:`ConsentError` if ``blob`` does not open under ``key`` for this event."""
    if blob[:3] != MAGIC:
        raise ConsentError("not data stored under a shopper key")
    nonce, ct = blob[3 : 3 + NONCE_LEN], blob[3 + NONCE_LEN :]
    try:
        return AESGCM(key).decrypt(nonce, ct, aad(subject, event_id))
    except InvalidTag as exc:
        raise ConsentError("stored data does not open with this key") from exc


class ShopperKeys:
    """Wrapped per-shopper data keys, with an in-memory cache of unwrapped ones."""

    def __init__(self, path: Path, wrap_key: bytes) -> None:
        self.path = path
        self._wrap = wrap_key
        self._db = open_keystore(path)
        self._cache: dict[str, bytes] = {}
        # Erased and not back since: no new key may be made for them. An event that
        # passed the consent check just before the erasure must not bring a key back.
        self._erased: set[str] = set()
        self._lock = threading.Lock()

    def get(self, subject: str, *, create: bool, now: float) -> bytes | None:
        """The shopper's data key; made (and committed) first if ``create`` and none exists."""
        with self._lock:
            key = self._cache.get(subject)
            if key is not None:
                return key
            row = self._db.execute(
                "SELECT wrapped FROM shopper_keys WHERE subject = ?", (subject,)
            ).fetchone()
            if row is not None:
                try:
                    key = aes_key_unwrap(self._wrap, bytes(row[0]))
                except InvalidUnwrap as exc:
                    raise ConsentError("a shopper key does not unwrap with the hub key") from exc
            elif create and subject not in self._erased:
                key = os.urandom(KEY_LEN)
                self._db.execute(
                    "INSERT INTO shopper_keys(subject, wrapped, created) VALUES (?, ?, ?)",
                    (subject, aes_key_wrap(self._wrap, key), now),
                )
            else:
                return None
            self._cache[subject] = key
            return key

    def destroy(self, subject: str) -> bool:
        """Delete the wrapped key and the cached copy; True if there was one. No new key
        is made for ``subject`` until :meth:`allow` (they switch something on again)."""
        with self._lock:
            self._erased.add(subject)
            self._cache.pop(subject, None)
            cur = self._db.execute("DELETE FROM shopper_keys WHERE subject = ?", (subject,))
            return cur.rowcount > 0

    def allow(self, subject: str) -> None:
        """The shopper is back (a new grant): their new data gets a new key."""
        with self._lock:
            self._erased.discard(subject)

    def subjects(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT subject FROM shopper_keys")]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class DataProtector:
    """The hub's ``protect=`` callable: sealed edge data -> data under the shopper's key.

    Ingest calls it for personal events only (anonymous data is stored as its JSON). A
    personal event whose sealed data does not open is stored without data (it is still
    counted and acknowledged).
    """

    def __init__(self, home: HubHome, keys: ShopperKeys) -> None:
        self._seal = home.seal_key()
        self.keys = keys

    def __call__(
        self, event_id: str, subject: str, ts: float, data: dict[str, Any]
    ) -> bytes | None:
        try:
            plain = open_sealed(self._seal, event_id, subject, data["sealed"])
        except SealError:
            return None
        key = self.keys.get(subject, create=True, now=ts)
        if key is None:  # erased while this event was being checked: keep no data
            return None
        return encrypt(key, subject, event_id, orjson.dumps(plain))

    def open(self, subject: str, event_id: str, blob: bytes | None) -> JsonValue:
        """The data of one stored personal event, or None once the shopper's key is gone."""
        if blob is None:
            return None
        key = self.keys.get(subject, create=False, now=0.0)
        if key is None:
            return None
        value: JsonValue = orjson.loads(decrypt(key, subject, event_id, blob))
        return value
