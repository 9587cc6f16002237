"""What the hub tells a device, signed (and, later, what the chain tells a store, and a
software release): the signed envelope.

A message's payload carries its own ``id``, when it was ``issued`` and when it
``expires`` (commands and the roster; the roster also a ``version`` that only goes up).
The signature is over the exact payload bytes, as for batches, in the MQTT 5 user
property ``sig``: ``KEY_ID:SIGNATURE``, once per signing key. A hub signs with its current
key and, while a rotation is under way, also with the key it is retiring; a device takes
a message signed by any key it trusts. So a message's freshness and origin do not
depend on the broker's ACL: a device refuses an unsigned, wrongly signed, expired or
stale message, and counts the refusal by reason.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol.errors import SignatureError
from protocol.signing import SIG_PROPERTY, public_key_from_text

# How far a device's clock may be from the hub's and still take its messages: a device
# with a worse clock is alarmed on by its heartbeat (clock offset) long before this.
MAX_SKEW_S: Final = 120.0
COMMAND_TTL_S: Final = 600.0  # a command is signed afresh, with a new expiry, each resend
ROSTER_TTL_S: Final = 1800.0  # two token windows: the hub republishes it every few minutes


class Refusal(enum.StrEnum):
    """Why a device refused a message from the hub (counted as ``refused_<reason>``)."""

    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"  # signed, but by no key this device trusts
    EXPIRED = "expired"
    FUTURE = "future"  # issued later than this device's clock allows
    STALE = "stale"  # older than what the device already holds (a replayed roster)
    MISADDRESSED = "misaddressed"  # a command for another device
    MALFORMED = "malformed"


class RefusedError(SignatureError):
    """A message from the hub that the device must not act on."""

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(f"refused ({reason}){': ' + detail if detail else ''}")
        self.reason = reason


def key_id(public: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the first 8 bytes of its SHA-256, hex."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Signer:
    """The hub's signing keys: the current one first, then one being retired (if any)."""

    keys: tuple[Ed25519PrivateKey, ...]

    def signatures(self, payload: bytes) -> list[tuple[str, str]]:
        """The ``sig`` user properties for ``payload``, one per key."""
        return [
            (SIG_PROPERTY, f"{key_id(k.public_key())}:{base64.b64encode(k.sign(payload)).decode()}")
            for k in self.keys
        ]


class Verifier:
    """A device's trust in the hub: the public keys it takes messages from."""

    def __init__(self, trusted: Iterable[str]) -> None:
        keys = [public_key_from_text(text) for text in trusted]
        self._keys = {key_id(k): k for k in keys}

    @property
    def has_keys(self) -> bool:
        return bool(self._keys)

    def check(self, payload: bytes, signatures: Sequence[str]) -> None:
        """Raise :class:`RefusedError` unless one of ``signatures`` (``KEY_ID:SIG`` values
        of the ``sig`` property) is a good signature of ``payload`` by a trusted key."""
        if not signatures:
            raise RefusedError(Refusal.UNSIGNED)
        known = False
        for value in signatures:
            kid, _, sig = value.partition(":")
            key = self._keys.get(kid)
            if key is None:
                continue
            known = True
            try:
                key.verify(base64.b64decode(sig, validate=True), payload)
            except (InvalidSignature, ValueError, binascii.Error):
                continue
            return
        if not known:
            raise RefusedError(Refusal.UNKNOWN_KEY)
        raise RefusedError(Refusal.BAD_SIGNATURE)


def check_fresh(issued: float, expires: float, now: float, longest: float) -> None:
    """Raise :class:`RefusedError` unless ``now`` lies in [issued, expires], give or take
    the clock skew a device may have, and the message is no older than ``longest`` (the
    hub never signs anything to live longer: an old message that claims a far expiry is
    stale all the same)."""
    if now > expires + MAX_SKEW_S:
        raise RefusedError(Refusal.EXPIRED)
    if issued > now + MAX_SKEW_S:
        raise RefusedError(Refusal.FUTURE)
    if now - issued > longest + MAX_SKEW_S:
        raise RefusedError(Refusal.STALE, f"issued {now - issued:.0f} s ago")
