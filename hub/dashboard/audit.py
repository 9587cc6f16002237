"""The dashboard's own audit rows, for a hub run without the consent package's chained
audit log (``hub.consent``): who viewed or changed what, and when.

When the consent registry is wired in (``dashboard_app(consent=...)``) every row goes to
its hash-chained, signed ``audit_log`` instead, so the privacy officer reads one log.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: float
    actor: str
    action: str
    target: str  # a pseudonym, or empty
    detail: str  # never personal data


def record(db: sqlite3.Connection, row: AuditRow) -> None:
    """Write one audit row (inside the caller's transaction, if one is open)."""
    db.execute(
        "INSERT INTO dash_audit(at, actor, action, target, detail) VALUES (?,?,?,?,?)",
        (row.at, row.actor, row.action, row.target, row.detail),
    )


def recent(db: sqlite3.Connection, limit: int = 200) -> list[AuditRow]:
    """The newest rows of the dashboard's own audit table."""
    rows = db.execute(
        "SELECT at, actor, action, target, detail FROM dash_audit ORDER BY n DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [AuditRow(*r) for r in rows]
