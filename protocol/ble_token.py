"""The BLE opt-in token (docs/ble-token.md), shared by the hub, the phone app and gateways.

At opt-in the hub gives the phone app a random per-shopper key. The app advertises

    token  = HMAC-SHA256(key, b"instore-ble-v1" || window)[:8]
    window = floor(unix_seconds / 900), as 8 bytes big-endian

as the last 8 bytes of a 128-bit service UUID whose first 8 bytes are the chain's
configured prefix. Test vectors for app developers are in ``docs/ble-token.md`` and
are checked by ``tests/unit/test_ble_token.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import uuid
from typing import Final

from protocol.errors import ProtocolError

CONTEXT: Final = b"instore-ble-v1"  # domain separation: a key used elsewhere gives other tokens
WINDOW_S: Final = 900  # 15 min: phones rotate their BLE addresses on about the same period
TOKEN_BYTES: Final = 8  # 64 bits: collisions among a store's opted-in shoppers are negligible
PREFIX_BYTES: Final = 8  # the rest of the 128-bit UUID names the chain
MIN_KEY_BYTES: Final = 16  # a shorter key would be guessable from a few tokens


class BleTokenError(ProtocolError):
    """A key, prefix, window or service UUID does not follow the BLE token frame."""


def window_of(unix_s: float) -> int:
    """The token window holding ``unix_s``: ``floor(unix_s / 900)``."""
    if not math.isfinite(unix_s) or unix_s < 0:
        raise BleTokenError(f"time {unix_s!r} is not a non-negative unix time")
    return int(unix_s // WINDOW_S)


def token_for(key: bytes, window: int) -> bytes:
    """The 8-byte token a phone holding ``key`` advertises during ``window``."""
    if len(key) < MIN_KEY_BYTES:
        raise BleTokenError(f"a token key has at least {MIN_KEY_BYTES} bytes, got {len(key)}")
    if not 0 <= window < 2**64:
        raise BleTokenError(f"window {window} does not fit 8 bytes")
    mac = hmac.new(key, CONTEXT + window.to_bytes(8, "big"), hashlib.sha256)
    return mac.digest()[:TOKEN_BYTES]


def tokens_around(key: bytes, unix_s: float, spread: int = 1) -> dict[int, bytes]:
    """Tokens of the window holding ``unix_s`` and ``spread`` windows either side.

    The hub publishes the neighbours too, so a phone whose clock is a little off is
    still recognised at a window boundary.
    """
    centre = window_of(unix_s)
    return {w: token_for(key, w) for w in range(max(0, centre - spread), centre + spread + 1)}


def parse_prefix(prefix_hex: str) -> bytes:
    """The 8-byte chain prefix from 16 hex digits (dashes allowed)."""
    text = prefix_hex.replace("-", "").strip().lower()
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise BleTokenError(f"chain prefix {prefix_hex!r} is not hex") from exc
    if len(raw) != PREFIX_BYTES:
        raise BleTokenError(f"chain prefix has {PREFIX_BYTES} bytes, got {len(raw)}")
    return raw


def service_uuid(prefix: bytes, token: bytes) -> str:
    """The 128-bit service UUID (canonical lower-case text) that carries ``token``."""
    if len(prefix) != PREFIX_BYTES or len(token) != TOKEN_BYTES:
        raise BleTokenError("a token UUID is an 8-byte prefix followed by an 8-byte token")
    return str(uuid.UUID(bytes=prefix + token))


def token_from_uuid(text: str, prefix: bytes) -> bytes | None:
    """The token carried by service UUID ``text`` if it starts with ``prefix``, else None."""
    try:
        raw = uuid.UUID(text).bytes
    except ValueError as exc:
        raise BleTokenError(f"{text!r} is not a 128-bit UUID") from exc
    if raw[:PREFIX_BYTES] != prefix:
        return None
    return raw[PREFIX_BYTES:]


def uuid_text_prefix(prefix: bytes) -> str:
    """The first 18 characters of every token UUID's text form (``xxxxxxxx-xxxx-xxxx``).

    The scan callback compares strings with this instead of parsing UUIDs: it runs for
    every advertisement in the store.
    """
    return service_uuid(prefix, bytes(TOKEN_BYTES))[:18]
