"""Sealing personal event data at the edge to the hub's public key.

X25519 ephemeral-static key agreement, HKDF-SHA256, AES-256-GCM; the event id and
subject are associated data, so a sealed blob cannot be moved to another event.
The broker and its persistence never hold personal data in clear.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Final

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import JsonValue

from protocol.errors import SealError

_INFO: Final = b"instore-seal-v1"
_NONCE_LEN: Final = 12
_KEY_LEN: Final = 32


def _derive(shared: bytes, epk: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=_KEY_LEN, salt=epk, info=_INFO).derive(shared)


def _aad(event_id: str, subject: str) -> bytes:
    return f"{event_id}|{subject}".encode()


def seal(hub_key: X25519PublicKey, event_id: str, subject: str, data: JsonValue) -> dict[str, str]:
    """Seal ``data`` for the hub; the result is the event's ``data`` field."""
    eph = X25519PrivateKey.generate()
    epk = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = _derive(eph.exchange(hub_key), epk)
    nonce = os.urandom(_NONCE_LEN)
    ct = AESGCM(key).encrypt(nonce, orjson.dumps(data), _aad(event_id, subject))
    return {"sealed": base64.urlsafe_b64encode(epk + nonce + ct).decode()}


def open_sealed(hub_key: X25519PrivateKey, event_id: str, subject: str, sealed: str) -> JsonValue:
    """Open a sealed blob; raise :class:`SealError` if it was not sealed for this event."""
    try:
        blob = base64.urlsafe_b64decode(sealed)
        epk, nonce, ct = blob[:32], blob[32 : 32 + _NONCE_LEN], blob[32 + _NONCE_LEN :]
        key = _derive(hub_key.exchange(X25519PublicKey.from_public_bytes(epk)), epk)
        plain = AESGCM(key).decrypt(nonce, ct, _aad(event_id, subject))
        value: JsonValue = orjson.loads(plain)
    except (InvalidTag, ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise SealError("sealed data does not open with this hub key") from exc
    return value


def x25519_private_to_text(key: X25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def x25519_public_to_text(key: X25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def x25519_private_from_text(text: str) -> X25519PrivateKey:
    try:
        return X25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise SealError("not a base64 X25519 private key") from exc


def x25519_public_from_text(text: str) -> X25519PublicKey:
    try:
        return X25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise SealError("not a base64 X25519 public key") from exc
