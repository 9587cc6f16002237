"""UUIDv7 event ids (RFC 9562): time-ordered, so the hub's index stays append-mostly."""

from __future__ import annotations

import os
import time
import uuid
from typing import Final

_VERSION_7: Final = 0x7 << 76
_VARIANT_RFC: Final = 0x2 << 62
_VARIANT_NIBBLE: Final = "89ab"  # 10xx: the RFC 9562 variant, two random bits


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """Return a new UUIDv7 for ``unix_ms`` (now when omitted); 74 random bits."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = ((ms & ((1 << 48) - 1)) << 80) | _VERSION_7 | (rand_a << 64) | _VARIANT_RFC | rand_b
    return uuid.UUID(int=value)


def uuid7_texts(unix_ms: int, count: int) -> list[str]:
    """``count`` UUIDv7 strings for one millisecond, built as text from random hex (the
    outbox names tens of thousands of events a second): 48-bit time, version 7, 12
    random bits, the RFC variant, 62 random bits."""
    ms = f"{unix_ms & ((1 << 48) - 1):012x}"
    head = f"{ms[:8]}-{ms[8:]}-7"
    rand = os.urandom(10 * count).hex()
    out = []
    for i in range(count):
        r = rand[20 * i : 20 * i + 20]
        variant = _VARIANT_NIBBLE[int(r[3], 16) & 0x3]
        out.append(f"{head}{r[0:3]}-{variant}{r[4:7]}-{r[7:19]}")
    return out


def uuid7_unix_ms(value: uuid.UUID) -> int:
    """The millisecond timestamp carried in a UUIDv7."""
    return value.int >> 80
