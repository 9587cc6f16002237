"""Ed25519 signatures over the exact payload bytes, carried as the MQTT 5 user property ``sig``.

No canonical JSON is needed: the hub verifies the bytes it received.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol.errors import SignatureError

SIG_PROPERTY: Final = "sig"


def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def public_key_to_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    try:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise SignatureError("not a base64 Ed25519 private key") from exc


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise SignatureError("not a base64 Ed25519 public key") from exc


def sign(key: Ed25519PrivateKey, payload: bytes) -> str:
    """The ``sig`` property value for ``payload``."""
    return base64.b64encode(key.sign(payload)).decode()


def verify(key: Ed25519PublicKey, payload: bytes, sig: str | None) -> None:
    """Raise :class:`SignatureError` unless ``sig`` signs ``payload`` under ``key``."""
    if not sig:
        raise SignatureError("missing signature")
    try:
        key.verify(base64.b64decode(sig, validate=True), payload)
    except (InvalidSignature, ValueError, binascii.Error) as exc:
        raise SignatureError("bad signature") from exc
