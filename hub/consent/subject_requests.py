"""Data-subject requests: access ("everything you hold about me") and erasure.

Each request is written to the audit log with the policy snapshot it ran under.
Erasure withdraws every purpose (at once, in memory), destroys the shopper's data key
and its cached copy, clears their rows' data, forgets their BLE key, records the
pseudonym on the erasure list (so a restore re-erases) and tells the edges to purge.
The report says when the last backup copy of the key store that held the key expires.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final

from hub.consent import backup
from hub.consent.registry import ConsentRegistry
from hub.consent.settings import ConsentError
from hub.consent.shredding import DataProtector
from protocol.timefmt import from_unix, rfc3339_ms

SWEEP_AFTER_S: Final = 2.0  # ingest commits a checked group well within this

# Called with an erased subject: the edges are told to purge every purpose.
EraseListener = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ErasureReport:
    subject: str
    erased_at: str
    key_destroyed: bool
    events_cleared: int
    purposes_withdrawn: list[str]
    last_copy_expires: str | None  # None: no backup holds the key, erasure is complete
    policy_sha256: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class SubjectRequests:
    """Access and erasure for one hub."""

    def __init__(self, registry: ConsentRegistry, protector: DataProtector) -> None:
        self.registry = registry
        self.protector = protector
        self.on_erase: list[EraseListener] = []

    def export(self, subject: str, actor: str = "shopper") -> dict[str, Any]:
        """Everything held about ``subject``: switches, receipts and events with data."""
        reg = self.registry
        with reg.lock:
            rows = reg.db.execute(
                "SELECT id, ts, type, purpose, device, consent, data FROM events "
                "WHERE subject = ? ORDER BY ts",
                (subject,),
            ).fetchall()
            principal = reg.db.execute(
                "SELECT age_ok_at, erased_at FROM principals WHERE subject = ?", (subject,)
            ).fetchone()
        events = []
        for event_id, ts, kind, purpose, device, consent, blob in rows:
            try:
                data = self.protector.open(subject, event_id, blob)
            except ConsentError:
                data = None
            events.append(
                {
                    "id": event_id,
                    "time": rfc3339_ms(from_unix(ts)),
                    "type": kind,
                    "purpose": purpose,
                    "device": device,
                    "consent_receipt": consent,
                    "data": data,
                }
            )
        out = {
            "subject": subject,
            "policy": {
                "version": reg.settings.policy_version,
                "sha256": reg.policy_sha256,
                "url": reg.settings.policy_url,
            },
            "consents": {str(p): g for p, g in reg.granted(subject).items()},
            "age_confirmed": bool(principal and principal[0] is not None),
            "ble_key": "held (given to your app)" if reg.ble_key(subject) else None,
            "receipts": reg.ledger_for(subject),
            "events": events,
        }
        reg.audit(
            actor,
            "dsr.access",
            subject,
            {"events": len(events), "policy_sha256": reg.policy_sha256},
        )
        return out

    def erase(self, subject: str, actor: str = "shopper") -> ErasureReport:
        """Erase ``subject`` by crypto-shredding; return the report shown to the shopper."""
        reg = self.registry
        withdrawn = [p for p, g in reg.granted(subject).items() if g]
        for purpose in withdrawn:
            reg.set_consent(subject, purpose, False, actor=actor, notify=False)
        destroyed = self.protector.keys.destroy(subject)
        reg.forget_ble_key(subject)
        now = reg.clock()
        with reg.lock:
            try:
                reg.db.execute("BEGIN IMMEDIATE")
                cur = reg.db.execute(
                    "UPDATE events SET data = NULL, subject = NULL, consent = NULL "
                    "WHERE subject = ?",
                    (subject,),
                )
                cleared = cur.rowcount
                reg.db.execute(
                    "INSERT INTO principals(subject, erased_at) VALUES (?, ?) "
                    "ON CONFLICT(subject) DO UPDATE SET erased_at = excluded.erased_at, "
                    "age_ok_at = NULL",
                    (subject, now),
                )
                reg.db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    reg.db.execute("ROLLBACK")
                raise ConsentError(f"cannot erase: {exc}") from exc
        backup.record_erasure(reg.home, subject, now)
        expiry = backup.last_key_copy_expiry(reg.home, now)
        report = ErasureReport(
            subject=subject,
            erased_at=rfc3339_ms(from_unix(now)),
            key_destroyed=destroyed,
            events_cleared=cleared,
            purposes_withdrawn=[str(p) for p in withdrawn],
            last_copy_expires=None if expiry is None else rfc3339_ms(from_unix(expiry)),
            policy_sha256=reg.policy_sha256,
        )
        reg.audit(actor, "dsr.erase", subject, report.to_json())
        for listener in self.on_erase:
            listener(subject)
        # An event that passed the consent check just before the erasure may still be
        # committed after it (without data: no key is made). Sweep once more shortly.
        sweep = threading.Timer(SWEEP_AFTER_S, self.sweep, args=(subject, now))
        sweep.daemon = True
        sweep.start()
        return report

    def sweep(self, subject: str, erased_at: float) -> int:
        """Clear rows of ``subject`` received up to a little after ``erased_at``."""
        reg = self.registry
        with reg.lock:
            try:
                cur = reg.db.execute(
                    "UPDATE events SET data = NULL, subject = NULL, consent = NULL "
                    "WHERE subject = ? AND received <= ?",
                    (subject, erased_at + SWEEP_AFTER_S),
                )
            except sqlite3.Error:
                return 0  # closed meanwhile (the hub is stopping): nothing to sweep
        return cur.rowcount
