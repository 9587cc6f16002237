"""One-time pairing codes: the phone shows ``instore:pair:<token>`` as a QR code, a kiosk
camera reads it, and the kiosk session becomes the shopper's. A code works once, for a
short time, and is held only in memory."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Final

PREFIX: Final = "instore:pair:"
_ON_PAGE: Final = 'data-code="'  # how pair.html carries the code beside its QR image
TOKEN_BYTES: Final = 16  # 128 bits: unguessable within a two-minute life


class PairingCodes:
    def __init__(self, ttl_s: float, clock: Callable[[], float]) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._codes: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, subject: str) -> str:
        """A fresh code for ``subject`` (the text to put in the QR code)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        with self._lock:
            self._codes = {t: v for t, v in self._codes.items() if v[1] > now}
            self._codes[token] = (subject, now + self.ttl_s)
        return PREFIX + token

    def redeem(self, code: str) -> str | None:
        """The subject a code was issued to, once, before it expires; else None."""
        token = code.removeprefix(PREFIX)
        with self._lock:
            found = self._codes.pop(token, None)
        if found is None or found[1] <= self._clock():
            return None
        return found[0]


def code_on_page(html: str) -> str | None:
    """The pairing code a phone's pairing page (``/s/pair``) shows, or None."""
    if _ON_PAGE not in html:
        return None
    return html.split(_ON_PAGE, 1)[1].split('"', 1)[0]
