"""The consent registry: the shopper's switches, per purpose, and their proof.

It keeps the spine's ``consents`` table current (what ingest checks), writes a signed
Kantara receipt into the hash-chained ledger and an audit entry for every change, and
answers :meth:`ConsentRegistry.check` (the hub's ``ConsentCheck``) from memory.

A withdrawal takes effect in memory *before* anything is written: from that instant
ingest dead-letters the purpose's events. A grant takes effect after its receipt is
committed. Listeners (the roster and purge propagation) hear a withdrawal before its
receipt is written, so the edges are never kept waiting behind the database, and a grant
after its commit.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import orjson
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from hub.consent import chain
from hub.consent.auditlog import AuditLog, Clock
from hub.consent.receipts import ConsentReceipt, make_receipt, policy_snapshot
from hub.consent.settings import ConsentError, ConsentKeys, ConsentSettings, load_settings
from hub.migrations import migrate
from hub.settings import HubHome
from hub.storage import connect
from protocol.ble_token import tokens_around
from protocol.envelope import ROSTER_TTL_S
from protocol.models import Roster, RosterEntry
from protocol.purposes import Purpose

BLE_KEY_BYTES: Final = 16  # the token frame's minimum key length (protocol/ble_token.py)


@dataclass(frozen=True, slots=True)
class Change:
    """One committed switch: what listeners are told."""

    subject: str
    purpose: Purpose
    granted: bool
    receipt_id: str
    at: float


ChangeListener = Callable[[Change], None]


class ConsentRegistry:
    """One hub's consent state. Thread-safe; one instance per hub process."""

    def __init__(
        self,
        home: HubHome,
        *,
        settings: ConsentSettings | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.home = home
        self.settings = settings or load_settings(home)
        self.clock = clock
        self.keys = ConsentKeys(home)
        self.db = connect(home.db_path)
        try:
            migrate(self.db)
            migrate(self.db, component="consent", migrations=chain.MIGRATIONS)
        except sqlite3.Error as exc:
            raise ConsentError(f"cannot prepare the consent tables: {exc}") from exc
        self.lock = threading.Lock()
        self.audit_log = AuditLog(self.db, self.keys.signing, self.lock, clock)
        self.policy_sha256, policy_body = policy_snapshot(self.settings)
        with self.lock:
            self.db.execute(
                "INSERT OR IGNORE INTO policies(sha256, version, at, body) VALUES (?, ?, ?, ?)",
                (self.policy_sha256, self.settings.policy_version, clock(), policy_body),
            )
        self._state: dict[tuple[str, str], bool] = {}
        self._since: dict[tuple[str, str], float] = {}  # when the grant in force was made
        for s, p, g, at in self.db.execute("SELECT subject, purpose, granted, at FROM consents"):
            self._state[(s, p)] = bool(g)
            self._since[(s, p)] = float(at)
        self._ble: dict[str, bytes] = {}
        self.listeners: list[ChangeListener] = []

    # -- what ingest asks -----------------------------------------------------------------

    def check(self, subject: str, purpose: str) -> bool:
        """The hub's ``ConsentCheck``: is ``purpose`` switched on for ``subject`` right now?"""
        return self._state.get((subject, purpose), False)

    def check_collected(
        self, subject: str, purpose: str, collected_at: float, margin_s: float = 2.0
    ) -> bool:
        """Stricter than :meth:`check`: the purpose is on *and* the event was collected
        under the grant now in force (not before it, give or take ``margin_s`` of clock
        difference). For ingest once it passes the event time (decision 0405)."""
        key = (subject, purpose)
        return self._state.get(key, False) and collected_at >= self._since[key] - margin_s

    def granted(self, subject: str) -> dict[Purpose, bool]:
        return {p: self._state.get((subject, p), False) for p in Purpose}

    def subjects_with(self, purpose: Purpose) -> list[str]:
        return sorted(s for (s, p), g in self._state.items() if g and p == purpose)

    # -- the audit door -------------------------------------------------------------------

    def audit(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any] | None = None
    ) -> str:
        """Record a staff view, a request or any other act in the audit log (see AuditLog)."""
        return self.audit_log.audit(actor, action, subject, detail)

    # -- age ------------------------------------------------------------------------------

    def age_ok(self, subject: str) -> bool:
        with self.lock:
            row = self.db.execute(
                "SELECT age_ok_at FROM principals WHERE subject = ?", (subject,)
            ).fetchone()
        return bool(row and row[0] is not None)

    def confirm_age(self, subject: str, birth_year: int, this_year: int) -> bool:
        """Record the shopper old enough if ``birth_year`` makes them the minimum age this
        year (the year of birth only: no birth date is kept). Return whether they are."""
        old_enough = birth_year >= 1900 and this_year - birth_year >= self.settings.minimum_age
        if old_enough:
            with self.lock:
                self.db.execute(
                    "INSERT INTO principals(subject, age_ok_at) VALUES (?, ?) "
                    "ON CONFLICT(subject) DO UPDATE SET age_ok_at = excluded.age_ok_at",
                    (subject, self.clock()),
                )
        return old_enough

    # -- switching ------------------------------------------------------------------------

    def set_consent(
        self,
        subject: str,
        purpose: Purpose | str,
        granted: bool,
        *,
        method: str = "phone consent center",
        language: str = "en",
        actor: str = "shopper",
        notify: bool = True,
    ) -> ConsentReceipt:
        """Switch one purpose for one shopper; return the signed receipt of the change.

        Granting needs the age check passed and takes effect once its receipt is
        committed. Withdrawal takes effect first, in memory; then listeners are told
        (roster, purges); then its receipt is written. ``notify=False`` leaves telling
        the edges to the caller (erasure purges every purpose at once).
        """
        purpose = Purpose(purpose)
        if granted and not self.age_ok(subject):
            raise ConsentError(
                f"consent needs the age check first (minimum age {self.settings.minimum_age})"
            )
        key = (subject, str(purpose))
        if not granted:
            self._state[key] = False  # ingest refuses from this instant
        at = self.clock()
        receipt = make_receipt(
            self.settings, self.policy_sha256, subject, purpose, granted, at, method, language
        )
        body = receipt.to_json()
        change = Change(subject, purpose, granted, receipt.consent_receipt_id, at)
        if notify and not granted:
            # The purge leaves before the receipt is written: withdrawal is never kept
            # waiting behind the database (ingest may hold its write lock for a commit).
            self._tell(change)
        with self.lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute(
                    "INSERT INTO consents(subject, purpose, record_id, granted, at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(subject, purpose) DO UPDATE SET "
                    "record_id = excluded.record_id, granted = excluded.granted, at = excluded.at",
                    (subject, str(purpose), receipt.consent_receipt_id, int(granted), at),
                )
                kind = "consent.given" if granted else "consent.withdrawn"
                chain.append(self.db, "consent_ledger", self.keys.signing, at, kind, subject, body)
                self.audit_log.append_in_transaction(
                    actor,
                    kind,
                    subject,
                    {
                        "purpose": str(purpose),
                        "receipt": receipt.consent_receipt_id,
                        "policy_sha256": self.policy_sha256,
                    },
                )
                if purpose is Purpose.PRESENCE and granted:
                    self._ensure_ble_key(subject, at)
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                raise ConsentError(f"cannot record the consent change: {exc}") from exc
        if granted:
            self._since[key] = at
            self._state[key] = True
            if notify:
                self._tell(change)
        return receipt

    def _tell(self, change: Change) -> None:
        for listener in self.listeners:
            listener(change)

    def record_id(self, subject: str, purpose: Purpose | str) -> str | None:
        """The id of the receipt a purpose is currently granted under (events carry it)."""
        with self.lock:
            row = self.db.execute(
                "SELECT record_id FROM consents WHERE subject = ? AND purpose = ? AND granted = 1",
                (subject, str(purpose)),
            ).fetchone()
        return None if row is None else str(row[0])

    # -- BLE opt-in keys and the roster ---------------------------------------------------

    def _ensure_ble_key(self, subject: str, at: float) -> None:
        """Inside the caller's transaction: a random BLE key for the shopper's app."""
        row = self.db.execute("SELECT 1 FROM ble_keys WHERE subject = ?", (subject,)).fetchone()
        if row is None:
            key = os.urandom(BLE_KEY_BYTES)
            self.db.execute(
                "INSERT INTO ble_keys(subject, wrapped, at) VALUES (?, ?, ?)",
                (subject, aes_key_wrap(self.keys.wrap, key), at),
            )

    def ble_key(self, subject: str) -> bytes | None:
        """The shopper's BLE key (given to their app) while presence is on, else None."""
        if not self.check(subject, Purpose.PRESENCE):
            return None
        key = self._ble.get(subject)
        if key is None:
            with self.lock:
                row = self.db.execute(
                    "SELECT wrapped FROM ble_keys WHERE subject = ?", (subject,)
                ).fetchone()
            if row is None:
                return None
            key = self._ble[subject] = aes_key_unwrap(self.keys.wrap, bytes(row[0]))
        return key

    def forget_ble_key(self, subject: str) -> None:
        with self.lock:
            self._ble.pop(subject, None)
            self.db.execute("DELETE FROM ble_keys WHERE subject = ?", (subject,))

    def roster(self, now: float, spread: int = 1) -> Roster:
        """Tokens of every shopper with presence on, for the windows around ``now`` only."""
        windows: set[int] = set()
        tokens: list[str] = []
        entries: dict[str, RosterEntry] = {}
        for subject in self.subjects_with(Purpose.PRESENCE):
            key = self.ble_key(subject)
            record = self.record_id(subject, Purpose.PRESENCE)
            if key is None or record is None:
                continue
            for window, token in tokens_around(key, now, spread).items():
                windows.add(window)
                tokens.append(token.hex())
                # So a gateway can name the shopper in a zone event: pseudonym and receipt.
                entries[token.hex()] = RosterEntry(subject=subject, consent=record)
        with self.lock, self.db:
            # A version that only goes up, across restarts and clock steps back alike.
            last = self.db.execute(
                "SELECT value FROM counters WHERE name = 'roster.version'"
            ).fetchone()
            version = max(int(now * 1000), (last[0] if last else 0) + 1)
            self.db.execute(
                "INSERT INTO counters(name, value) VALUES ('roster.version', ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (version,),
            )
        return Roster(
            version=version,
            issued=now,
            expires=now + ROSTER_TTL_S,
            windows=sorted(windows),
            tokens=sorted(tokens),
            entries=entries,
        )

    # -- proof ----------------------------------------------------------------------------

    def ledger_for(self, subject: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT n, body, hash FROM consent_ledger WHERE subject = ? ORDER BY n", (subject,)
            ).fetchall()
        return [{"n": n, "hash": bytes(h).hex(), "receipt": orjson.loads(b)} for n, b, h in rows]

    def verify(self) -> list[chain.ChainReport]:
        public = self.keys.signing.public_key()
        with self.lock:
            return [chain.verify(self.db, table, public) for table in chain.CHAIN_TABLES]

    def close(self) -> None:
        with self.lock:
            self.db.close()
