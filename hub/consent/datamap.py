"""The data map in fideslang terms, the record of processing activities (GDPR Art. 30),
and the printable in-store notice with the consent center's QR code.

Everything is generated from ``protocol.purposes.EVENT_KINDS`` and the consent
settings, so the records cannot drift from what the code collects.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Final

import segno

from domain.languages import LANGUAGES
from domain.web.pages import templates
from hub.consent.receipts import data_categories
from hub.consent.settings import ConsentSettings
from hub.consent.texts import PURPOSE_TEXTS, UI
from protocol.purposes import DPV_PURPOSE, EVENT_KINDS, PURGED, Purpose

TEMPLATES: Final = templates(Path(__file__).with_name("templates"))
_NOTICE_CSS: Final = Path(__file__).with_name("static") / "notice.css"

# fideslang data uses -> the legal basis we process them under (GDPR Art. 6).
_LEGAL_BASIS: Final = {
    "essential.service": "Art. 6(1)(a) consent (personal) / not personal data (anonymous)",
    "personalize.content.limited": "Art. 6(1)(a) consent",
    "analytics.reporting": "Art. 6(1)(a) consent (personal) / not personal data (anonymous)",
}


def fideslang_dataset() -> dict[str, Any]:
    """A fideslang ``system`` with one privacy declaration per event type."""
    declarations = []
    for name, kind in sorted(EVENT_KINDS.items()):
        if name == PURGED:
            continue
        declarations.append(
            {
                "name": name,
                "data_categories": list(kind.data_categories),
                "data_use": list(kind.data_uses),
                "data_subjects": ["customer"] if kind.personal else ["anonymous_user"],
                "purposes": sorted(str(p) for p in kind.purposes),
                "personal": kind.personal,
            }
        )
    return {
        "fides_key": "instore_hub",
        "name": "instore store hub",
        "system_type": "Service",
        "privacy_declarations": declarations,
    }


def records_of_processing(settings: ConsentSettings) -> dict[str, Any]:
    """The GDPR Art. 30(1) record, one activity per purpose."""
    c = settings.controller
    activities = []
    for purpose in Purpose:
        text = PURPOSE_TEXTS["en"][purpose]
        kinds = sorted(n for n, k in EVENT_KINDS.items() if purpose in k.purposes)
        uses = sorted({u for n in kinds for u in EVENT_KINDS[n].data_uses})
        activities.append(
            {
                "activity": str(purpose),
                "title": text.title,
                "purpose": text.why,
                "dpv_purpose": DPV_PURPOSE[purpose],
                "legal_basis": "Art. 6(1)(a) consent, given per purpose, withdrawable at once",
                "data_subjects": "shoppers who switched this purpose on (pseudonymous)",
                "data_categories": data_categories(purpose),
                "data_uses": uses,
                "event_types": kinds,
                "recipients": "none outside the controller",
                "third_country_transfers": "none",
                "retention_days": int(settings.retention_s(purpose) // 86400),
                "security": "sealed at the edge (X25519/AES-GCM); stored under a per-shopper "
                "AES-256-GCM key; signed devices; TLS; hash-chained audit log",
            }
        )
    anonymous = sorted(n for n, k in EVENT_KINDS.items() if not k.personal and n != PURGED)
    return {
        "controller": c.model_dump(),
        "jurisdiction": settings.jurisdiction,
        "policy_version": settings.policy_version,
        "activities": activities,
        "anonymous_event_types": anonymous,
        "legal_basis_by_use": dict(_LEGAL_BASIS),
        "not_processed_by_design": [
            "face recognition or detection",
            "greeting by name",
            "per-shopper prices",
            "remarketing outside the store",
        ],
    }


def qr_svg(text: str, scale: int = 6) -> str:
    """``text`` as an inline SVG QR code (segno), error correction M."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=scale, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def notice_html(settings: ConsentSettings, base: str | None = None) -> str:
    """The printable in-store notice: what we do, in six languages, and the QR code.
    Served under ``base`` it links its stylesheet; as a file (no ``base``) it carries it."""
    return TEMPLATES.get_template("notice.html").render(
        base=base,
        css=None if base is not None else _NOTICE_CSS.read_text(),
        settings=settings,
        qr=qr_svg(settings.center_url, scale=8),
        languages=LANGUAGES,
        texts=PURPOSE_TEXTS,
        ui=UI,
        purposes=list(Purpose),
        days={p: int(settings.retention_s(p) // 86400) for p in Purpose},
    )
