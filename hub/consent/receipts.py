"""Consent receipts: the Kantara Consent Receipt v1.1 fields, as ISO/IEC TS 27560 names
them, and the policy snapshot each receipt points to.

A receipt is made for every change (given or withdrawn), never edited. It names the
principal by pseudonym only. Purposes carry their W3C DPV term; data categories are
the fideslang categories of every event type collected for the purpose.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Final, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from domain.languages import LANGUAGES
from hub.consent.settings import ConsentSettings
from hub.consent.texts import PURPOSE_TEXTS
from protocol.purposes import DPV_PURPOSE, EVENT_KINDS, Purpose
from protocol.timefmt import from_unix, rfc3339_ms

RECEIPT_VERSION: Final = "KI-CR-v1.1.0"
SERVICE: Final = "instore"
TERMINATION: Final = (
    "Switch off on the phone consent center (/s/) at any time; takes effect at once"
)


class PiiController(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    pii_controller: str = Field(alias="piiController")
    on_behalf: bool = Field(default=False, alias="onBehalf")
    contact: str
    address: str
    email: str
    phone: str


class ReceiptPurpose(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    purpose: str
    purpose_category: list[str] = Field(alias="purposeCategory")  # W3C DPV terms
    consent_type: str = Field(alias="consentType")
    pii_category: list[str] = Field(alias="piiCategory")  # fideslang data categories
    primary_purpose: bool = Field(alias="primaryPurpose")
    termination: str
    third_party_disclosure: bool = Field(alias="thirdPartyDisclosure")
    third_party_name: str | None = Field(default=None, alias="thirdPartyName")
    state: Literal["given", "withdrawn"]


class ReceiptService(BaseModel):
    model_config = ConfigDict(frozen=True)

    service: str
    purposes: list[ReceiptPurpose]


class ConsentReceipt(BaseModel):
    """One signed change of one shopper's consent (Kantara CR v1.1 JSON names)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    version: str = RECEIPT_VERSION
    jurisdiction: str
    consent_timestamp: str = Field(alias="consentTimestamp")
    collection_method: str = Field(alias="collectionMethod")
    consent_receipt_id: str = Field(alias="consentReceiptID")
    language: str
    pii_principal_id: str = Field(alias="piiPrincipalId")  # the pseudonym, never a name
    pii_controllers: list[PiiController] = Field(alias="piiControllers")
    policy_url: str = Field(alias="policyUrl")
    policy_version: str = Field(alias="policyVersion")
    policy_sha256: str = Field(alias="policySha256")
    services: list[ReceiptService]
    sensitive: bool = False
    spi_cat: list[str] = Field(default_factory=list, alias="spiCat")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = self.model_dump(by_alias=True, mode="json")
        return out


def data_categories(purpose: Purpose) -> list[str]:
    """Every fideslang data category of the event types collected for ``purpose``."""
    cats = {c for k in EVENT_KINDS.values() if purpose in k.purposes for c in k.data_categories}
    return sorted(cats)


def policy_snapshot(settings: ConsentSettings) -> tuple[str, bytes]:
    """The policy the shopper saw, as canonical JSON, and its SHA-256 (hex)."""
    body = {
        "version": settings.policy_version,
        "url": settings.policy_url,
        "controller": settings.controller.model_dump(),
        "jurisdiction": settings.jurisdiction,
        "minimum_age": settings.minimum_age,
        "purposes": {
            str(p): {
                "dpv": DPV_PURPOSE[p],
                "retention_days": int(settings.retention_s(p) // 86400),
                "data_categories": data_categories(p),
                "texts": {
                    lang: {
                        "title": PURPOSE_TEXTS[lang][p].title,
                        "collected": PURPOSE_TEXTS[lang][p].collected,
                        "why": PURPOSE_TEXTS[lang][p].why,
                        "kept": PURPOSE_TEXTS[lang][p].kept,
                        "gets": PURPOSE_TEXTS[lang][p].gets,
                    }
                    for lang in LANGUAGES
                },
            }
            for p in Purpose
        },
    }
    raw = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(raw).hexdigest(), raw


def make_receipt(  # noqa: PLR0917 - the fields of one receipt
    settings: ConsentSettings,
    policy_sha256: str,
    subject: str,
    purpose: Purpose,
    granted: bool,
    at: float,
    method: str,
    language: str,
) -> ConsentReceipt:
    c = settings.controller
    return ConsentReceipt(
        jurisdiction=settings.jurisdiction,
        consent_timestamp=rfc3339_ms(from_unix(at)),
        collection_method=method,
        consent_receipt_id=str(uuid.uuid4()),
        language=language,
        pii_principal_id=subject,
        pii_controllers=[
            PiiController(
                pii_controller=c.name,
                contact=c.contact,
                address=c.address,
                email=c.email,
                phone=c.phone,
            )
        ],
        policy_url=settings.policy_url,
        policy_version=settings.policy_version,
        policy_sha256=policy_sha256,
        services=[
            ReceiptService(
                service=SERVICE,
                purposes=[
                    ReceiptPurpose(
                        purpose=str(purpose),
                        purpose_category=[DPV_PURPOSE[purpose]],
                        consent_type="EXPLICIT",
                        pii_category=data_categories(purpose),
                        primary_purpose=False,
                        termination=TERMINATION,
                        third_party_disclosure=False,
                        state="given" if granted else "withdrawn",
                    )
                ],
            )
        ],
    )
