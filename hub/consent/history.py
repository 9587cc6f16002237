"""A shopper's own history, for suggestions from it: the products they scanned at a kiosk
while paired, recorded under ``personal_recs``. It is read only while that purpose is
granted, and only from events stored under it (data opened with the shopper's own key:
after erasure there is nothing to read)."""

from __future__ import annotations

from typing import Final

from hub.consent.registry import ConsentRegistry
from hub.consent.settings import ConsentError
from hub.consent.shredding import DataProtector
from protocol.pairing import HISTORY_MAX
from protocol.purposes import Purpose

SCANNED: Final = "scan.personal"
_READ_MAX: Final = HISTORY_MAX * 4  # repeats of one product are common: read a few more


class ShopperHistory:
    def __init__(self, registry: ConsentRegistry, protector: DataProtector) -> None:
        self.registry = registry
        self.protector = protector

    def scanned(self, subject: str) -> tuple[str, ...]:
        """The distinct GTINs ``subject`` scanned, most recent last, at most
        :data:`HISTORY_MAX`; nothing unless ``personal_recs`` is granted now."""
        reg = self.registry
        if not reg.check(subject, Purpose.PERSONAL_RECS):
            return ()
        with reg.lock:
            rows = reg.db.execute(
                "SELECT id, data FROM events WHERE subject = ? AND type = ? AND purpose = ? "
                "ORDER BY ts DESC LIMIT ?",
                (subject, SCANNED, str(Purpose.PERSONAL_RECS), _READ_MAX),
            ).fetchall()
        newest_first: dict[str, None] = {}
        for event_id, blob in rows:
            try:
                data = self.protector.open(subject, event_id, blob)
            except ConsentError:
                continue
            gtin = data.get("gtin") if isinstance(data, dict) else None
            if isinstance(gtin, str) and gtin not in newest_first:
                newest_first[gtin] = None
        return tuple(reversed(list(newest_first)[:HISTORY_MAX]))
