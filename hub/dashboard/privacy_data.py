"""Reads for the privacy officer's pages: the consent ledger (the consent package's
chained table when it exists, else the spine's ``consents`` rows), the audit logs, and
what is held about one pseudonym."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Final

import orjson

from hub.dashboard.audit import AuditRow
from protocol.timefmt import from_unix, rfc3339_ms

PAGE: Final = 200  # rows a page shows; older ones by paging
SUBJECT_PATTERN: Final = r"^ps_[A-Za-z0-9_-]{16,64}$"  # protocol/models.py's pseudonyms


@dataclass(frozen=True, slots=True)
class LedgerRow:
    n: int
    at: float
    kind: str
    subject: str | None
    purpose: str
    receipt: str
    hash: str


def has_table(db: sqlite3.Connection, name: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _receipt_fields(body: bytes) -> tuple[str, str]:
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "", ""
    if not isinstance(raw, dict):
        return "", ""
    # Kantara receipt: services[].purposes[].purpose (hub/consent/receipts.py)
    names = [
        str(p.get("purpose", ""))
        for service in raw.get("services") or []
        if isinstance(service, dict)
        for p in service.get("purposes") or []
        if isinstance(p, dict)
    ]
    purpose = ", ".join(n for n in names if n) or str(raw.get("purpose", ""))
    return purpose, str(raw.get("consentReceiptID") or raw.get("consent_receipt_id") or "")


def ledger(db: sqlite3.Connection, subject: str | None, before: int | None) -> list[LedgerRow]:
    """The newest ledger entries (of one subject if given)."""
    if has_table(db, "consent_ledger"):
        rows = db.execute(
            "SELECT n, at, kind, subject, body, hash FROM consent_ledger "
            "WHERE (?1 IS NULL OR subject = ?1) AND n < COALESCE(?2, 9223372036854775807) "
            "ORDER BY n DESC LIMIT ?3",
            (subject, before, PAGE),
        ).fetchall()
        out = []
        for n, at, kind, subj, body, digest in rows:
            purpose, receipt = _receipt_fields(bytes(body))
            out.append(LedgerRow(n, at, kind, subj, purpose, receipt, bytes(digest).hex()[:16]))
        return out
    rows = db.execute(
        "SELECT at, granted, subject, purpose, record_id FROM consents "
        "WHERE (?1 IS NULL OR subject = ?1) ORDER BY at DESC LIMIT ?2",
        (subject, PAGE),
    ).fetchall()
    return [
        LedgerRow(0, at, "consent.given" if g else "consent.withdrawn", s, p, rec, "")
        for at, g, s, p, rec in rows
    ]


def chained_audit(db: sqlite3.Connection, before: int | None) -> list[tuple[int, AuditRow]]:
    """The consent package's chained audit log, newest first (empty if absent)."""
    if not has_table(db, "audit_log"):
        return []
    rows = db.execute(
        "SELECT n, at, kind, subject, body FROM audit_log "
        "WHERE n < COALESCE(?, 9223372036854775807) ORDER BY n DESC LIMIT ?",
        (before, PAGE),
    ).fetchall()
    out = []
    for n, at, kind, subject, body in rows:
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError:
            raw = {}
        actor = str(raw.get("actor", "")) if isinstance(raw, dict) else ""
        detail = raw.get("detail", {}) if isinstance(raw, dict) else {}
        text = ", ".join(f"{k}={v}" for k, v in sorted(detail.items())) if detail else ""
        out.append((n, AuditRow(at, actor, kind, subject or "", text)))
    return out


def subject_summary(db: sqlite3.Connection, subject: str) -> dict[str, Any]:
    """Counts of what is held about one pseudonym (uses the subject index)."""
    by_type = dict(
        db.execute(
            "SELECT type, COUNT(*) FROM events WHERE subject = ? GROUP BY type", (subject,)
        ).fetchall()
    )
    consents = db.execute(
        "SELECT purpose, granted, at, record_id FROM consents WHERE subject = ? ORDER BY purpose",
        (subject,),
    ).fetchall()
    return {"events_by_type": by_type, "consents": consents}


def minimal_export(db: sqlite3.Connection, subject: str) -> dict[str, Any]:
    """What the spine alone holds about ``subject`` (used until the consent package's
    export is wired): event metadata; data stays as stored (sealed to the hub key)."""
    events = [
        {
            "id": r[0],
            "time": rfc3339_ms(from_unix(r[1])),
            "type": r[2],
            "purpose": r[3],
            "device": r[4],
            "consent_receipt": r[5],
            "data": "sealed" if r[6] is not None else None,
        }
        for r in db.execute(
            "SELECT id, ts, type, purpose, device, consent, data FROM events WHERE subject = ? "
            "ORDER BY ts",
            (subject,),
        )
    ]
    consents = {
        p: {"granted": bool(g), "at": rfc3339_ms(from_unix(at)), "receipt": rec}
        for p, g, at, rec in db.execute(
            "SELECT purpose, granted, at, record_id FROM consents WHERE subject = ?", (subject,)
        )
    }
    return {"subject": subject, "consents": consents, "events": events}
