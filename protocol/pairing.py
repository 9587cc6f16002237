"""Kiosk pairing over HTTPS: the kiosk that read a phone's pairing QR code asks the hub
whose it is (``POST /s/pair/redeem``).

The request is signed by the kiosk with its Ed25519 device key over the exact body
bytes, like an MQTT batch, because the answer can carry personal data: the shopper's
scan history, when they allowed suggestions from it. A code alone, photographed off a
phone, redeems nothing.
"""

from __future__ import annotations

from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import Field

from protocol.models import DeviceId, Pseudonym, WireModel
from protocol.signing import sign

REDEEM_PATH: Final = "/s/pair/redeem"
SIGNATURE_HEADER: Final = "X-Instore-Signature"
MAX_SKEW_S: Final = 60.0  # a request older (or newer) than this is refused: no replays later
HISTORY_MAX: Final = 32  # GTINs in an answer: the policy reads no more (domain.recs.policy)


class RedeemRequest(WireModel):
    """What the kiosk read, who it is, and when it asked (unix seconds)."""

    code: str = Field(max_length=200)
    device: DeviceId
    ts: float


class PairingAnswer(WireModel):
    """Whose the code was: the pseudonym, the receipt each granted purpose is on (None:
    not granted), and, only with ``personal_recs``, the GTINs the shopper scanned here
    before, oldest first."""

    subject: Pseudonym
    consents: dict[str, str | None]
    history: list[str] = Field(default_factory=list, max_length=HISTORY_MAX)


def signed_redeem(
    device: str, key: Ed25519PrivateKey, code: str, now: float
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a redeem request from ``device``."""
    body = RedeemRequest(code=code, device=device, ts=now).to_bytes()
    return body, {SIGNATURE_HEADER: sign(key, body), "Content-Type": "application/json"}
