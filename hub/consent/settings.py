"""Consent settings (``consent.yaml`` in the hub data directory) and the hub's consent keys.

Keys live in ``keys/`` beside the seal key, each readable by the owner only:
``consent-sign.key`` (Ed25519: signs consent receipts and audit entries),
``wrap.key`` (AES-256: wraps each shopper's data key) and ``pseudonym.key``
(HMAC: turns a phone's secret into the shopper's pseudonym).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path
from typing import Final

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import HubError
from hub.settings import HubHome
from protocol.purposes import Purpose
from protocol.signing import private_key_from_text, private_key_to_text


class ConsentError(HubError):
    """A consent, erasure, ledger or backup operation cannot be done."""


class Controller(BaseModel):
    """The data controller named on every receipt (Kantara ``piiControllers``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "Demo Store AB"
    contact: str = "Privacy officer"
    address: str = "Storgatan 1, 111 22 Stockholm"
    email: str = "privacy@example.com"
    phone: str = "+46 8 000 00 00"


# Days per purpose: presence is operational (today's visit), history-based uses longer.
DEFAULT_RETENTION_DAYS: Final[dict[Purpose, int]] = {
    Purpose.PRESENCE: 1,  # a visit: the order brought out, help routed, then gone
    Purpose.PERSONAL_RECS: 180,  # history worth having for recommendations: two seasons
    Purpose.PICKUP_OFFERS: 90,  # one quarter of order history
    Purpose.ANALYTICS: 30,  # a month of pseudonymous events; totals stay
}


class ConsentSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    jurisdiction: str = "EU"
    controller: Controller = Controller()
    policy_url: str = "https://example.com/privacy"
    policy_version: str = "2026-11-01"
    minimum_age: int = Field(default=16, ge=13, le=21)  # GDPR Art. 8 default is 16
    pair_ttl_s: int = Field(default=120, ge=10, le=900)  # long enough to walk to a kiosk
    backup_key_days: int = Field(default=30, ge=1, le=365)  # key-store backups live this long
    retention_days: dict[Purpose, int] = Field(default_factory=lambda: dict(DEFAULT_RETENTION_DAYS))
    center_url: str = "https://hub.local:8443/s/"

    def retention_s(self, purpose: Purpose | str) -> float:
        days = self.retention_days.get(Purpose(purpose), DEFAULT_RETENTION_DAYS[Purpose(purpose)])
        return days * 86400.0


def load_settings(home: HubHome) -> ConsentSettings:
    path = home.root / "consent.yaml"
    if not path.exists():
        return ConsentSettings()
    try:
        return ConsentSettings.model_validate(yaml.safe_load(path.read_text()) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConsentError(f"{path}: {exc}") from exc


def _secret_file(path: Path, make: bytes) -> bytes:
    """Read a key file, or write ``make`` there (owner-only) if there is none."""
    if path.exists():
        return base64.b64decode(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return base64.b64decode(path.read_text().strip())
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(make).decode())
    return make


class ConsentKeys:
    """The consent keys of one hub data directory, made on first use."""

    def __init__(self, home: HubHome) -> None:
        keys = home.root / "keys"
        sign_path = keys / "consent-sign.key"
        if not sign_path.exists():
            fresh = private_key_to_text(Ed25519PrivateKey.generate())
            _secret_file(sign_path, base64.b64decode(fresh))
        self.signing: Ed25519PrivateKey = private_key_from_text(sign_path.read_text().strip())
        self.wrap: bytes = _secret_file(keys / "wrap.key", os.urandom(32))
        self._pseudonym: bytes = _secret_file(keys / "pseudonym.key", os.urandom(32))

    def pseudonym(self, phone_secret: str) -> str:
        """The shopper's pseudonym for a phone's secret: stable, unlinkable without the key."""
        mac = hmac.new(self._pseudonym, phone_secret.encode(), hashlib.sha256).digest()
        return "ps_" + base64.urlsafe_b64encode(mac[:18]).decode()
