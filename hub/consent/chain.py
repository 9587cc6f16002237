"""Hash-chained, signed logs in the hub database: the consent ledger and the audit log.

Each entry's hash is ``SHA-256(previous hash || body)`` and its Ed25519 signature is over
that hash, so changing, removing or reordering any entry breaks every later link, and
an entry cannot be forged without the hub's consent signing key. Bodies hold pseudonyms
and hashes only, never personal data, so the chain survives erasure as proof.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from dataclasses import dataclass
from typing import Any, Final

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS: Final = bytes(32)  # the "previous hash" of the first entry

CHAIN_TABLES: Final = ("consent_ledger", "audit_log")

MIGRATIONS: Final[tuple[str, ...]] = (
    """
    CREATE TABLE consent_ledger (
        n INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT,
        body BLOB NOT NULL,
        prev BLOB NOT NULL,
        hash BLOB NOT NULL,
        sig TEXT NOT NULL
    );
    CREATE INDEX consent_ledger_by_subject ON consent_ledger(subject);
    CREATE TABLE audit_log (
        n INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT,
        body BLOB NOT NULL,
        prev BLOB NOT NULL,
        hash BLOB NOT NULL,
        sig TEXT NOT NULL
    );
    CREATE INDEX audit_log_by_subject ON audit_log(subject);
    CREATE TABLE policies (
        sha256 TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        at REAL NOT NULL,
        body BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE principals (
        subject TEXT PRIMARY KEY,
        age_ok_at REAL,
        language TEXT,
        erased_at REAL
    ) WITHOUT ROWID;
    CREATE TABLE ble_keys (
        subject TEXT PRIMARY KEY,
        wrapped BLOB NOT NULL,
        at REAL NOT NULL
    ) WITHOUT ROWID;
    """,
)


def link(prev: bytes, body: bytes) -> bytes:
    return hashlib.sha256(prev + body).digest()


def append(  # noqa: PLR0917 - one entry's fields, in the table's order
    db: sqlite3.Connection,
    table: str,
    key: Ed25519PrivateKey,
    at: float,
    kind: str,
    subject: str | None,
    body: dict[str, Any],
) -> bytes:
    """Append one entry inside the caller's open transaction; return its hash.

    The caller holds the write lock (``BEGIN IMMEDIATE``), so the last hash read here is
    still the last when the entry is inserted, even with other processes writing.
    """
    if table not in CHAIN_TABLES:
        raise ValueError(f"not a chained table: {table}")
    raw = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    row = db.execute(f"SELECT hash FROM {table} ORDER BY n DESC LIMIT 1").fetchone()  # noqa: S608
    prev = row[0] if row else GENESIS
    digest = link(prev, raw)
    sig = base64.b64encode(key.sign(digest)).decode()
    db.execute(
        f"INSERT INTO {table}(at, kind, subject, body, prev, hash, sig) "  # noqa: S608
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, kind, subject, raw, prev, digest, sig),
    )
    return digest


@dataclass(frozen=True, slots=True)
class ChainReport:
    table: str
    entries: int
    ok: bool
    first_bad: int | None  # the entry number where the chain first fails
    reason: str
    head: str  # hex of the last hash: publish it to pin the chain


def verify(db: sqlite3.Connection, table: str, public: Ed25519PublicKey) -> ChainReport:
    """Walk the whole chain: links, hashes, signatures and numbering."""
    if table not in CHAIN_TABLES:
        raise ValueError(f"not a chained table: {table}")
    prev = GENESIS
    count = 0
    last_n = 0
    rows = db.execute(f"SELECT n, body, prev, hash, sig FROM {table} ORDER BY n")  # noqa: S608
    for n, body, stored_prev, digest, sig in rows:
        count += 1
        row = (_raw(stored_prev), _raw(body), _raw(digest))
        reason = _fault(n, last_n, prev, *row, sig, public)
        if reason is not None:
            return ChainReport(table, count, False, n, reason, prev.hex())
        prev = bytes(digest)
        last_n = n
    return ChainReport(table, count, True, None, "ok", prev.hex())


def _raw(value: object) -> bytes:
    """A column as bytes, whatever type a tampered row gave it."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def _fault(  # noqa: PLR0917 - the columns of one row and the walk's state
    n: int,
    last_n: int,
    prev: bytes,
    stored_prev: bytes,
    body: bytes,
    digest: bytes,
    sig: str,
    public: Ed25519PublicKey,
) -> str | None:
    if n != last_n + 1:
        return f"entry {last_n + 1} is missing"
    if stored_prev != prev:
        return "does not link to the entry before it"
    if link(prev, body) != digest:
        return "its content does not match its hash"
    try:
        public.verify(base64.b64decode(str(sig)), digest)
    except (InvalidSignature, ValueError):
        return "its signature is not the hub's"
    return None
