"""The hash-chained audit log: every consent change, every data-subject request (with the
policy snapshot it ran under) and every staff view of personal data.

``AuditLog.audit(actor, action, subject, detail)`` is the one door; the dashboard calls
it whenever staff open a page that shows a shopper's data.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.consent import chain
from hub.consent.settings import ConsentError

Clock = Callable[[], float]


class AuditLog:
    """Appends signed, chained entries to ``audit_log`` through ``db``."""

    def __init__(
        self,
        db: sqlite3.Connection,
        key: Ed25519PrivateKey,
        lock: threading.Lock,
        clock: Clock = time.time,
    ) -> None:
        self._db = db
        self._key = key
        self._lock = lock
        self._clock = clock

    def audit(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any] | None = None
    ) -> str:
        """Record that ``actor`` did ``action`` (about ``subject``, a pseudonym or None);
        return the entry's hash (hex). ``detail`` must hold no personal data."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                digest = self.append_in_transaction(actor, action, subject, detail or {})
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise ConsentError(f"cannot write the audit log: {exc}") from exc
        return digest.hex()

    def append_in_transaction(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any]
    ) -> bytes:
        """The same entry, inside a transaction the caller opened (and holds the lock for)."""
        at = self._clock()
        body = {"at": at, "actor": actor, "action": action, "subject": subject, "detail": detail}
        return chain.append(self._db, "audit_log", self._key, at, action, subject, body)
