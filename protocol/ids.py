"""UUIDv7 event ids (RFC 9562): time-ordered, so the hub's index stays append-mostly."""

from __future__ import annotations

import os
import time
import uuid
from typing import Final

_VERSION_7: Final = 0x7 << 76
_VARIANT_RFC: Final = 0x2 << 62


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """Return a new UUIDv7 for ``unix_ms`` (now when omitted); 74 random bits."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = ((ms & ((1 << 48) - 1)) << 80) | _VERSION_7 | (rand_a << 64) | _VARIANT_RFC | rand_b
    return uuid.UUID(int=value)


def uuid7_texts(unix_ms: int, count: int) -> list[str]:
    """``count`` UUIDv7 strings for one millisecond, without building UUID objects
    (the outbox names tens of thousands of events a second)."""
    rand = os.urandom(10 * count)
    ms = (unix_ms & ((1 << 48) - 1)) << 80
    out = []
    for i in range(count):
        r = int.from_bytes(rand[10 * i : 10 * i + 10], "big")
        h = f"{ms | _VERSION_7 | ((r >> 68) << 64) | _VARIANT_RFC | (r & ((1 << 62) - 1)):032x}"
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def uuid7_unix_ms(value: uuid.UUID) -> int:
    """The millisecond timestamp carried in a UUIDv7."""
    return value.int >> 80
