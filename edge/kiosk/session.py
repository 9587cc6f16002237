"""The kiosk's session: anonymous by default, personal while a shopper has paired their
phone. A pure core: every call takes ``now``.

A paired session ends when the shopper presses "done" or walks away (no scan or touch for
``idle_timeout_s``): a public screen must not keep showing someone's personal items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from domain.recs.policy import Visit
from protocol.purposes import Purpose

# 90 s: long enough to read a product card and scan the next item, short enough that the
# next shopper in the queue does not inherit a personal session.
DEFAULT_IDLE_TIMEOUT_S: Final = 90.0


@dataclass(frozen=True, slots=True)
class Pairing:
    """Who a phone's pairing code stands for: a pseudonym, the purposes they consented to,
    and the id of that consent record. Never a name, e-mail or device address.

    ``history`` (GTINs, oldest first) comes only with ``personal_recs``: what the shopper
    scanned here before, for suggestions from their own history. It lives as long as
    the session, in memory."""

    subject: str
    purposes: frozenset[Purpose]
    consent: str
    history: tuple[str, ...] = ()


# token -> Pairing, or None when the token is unknown or expired (the hub answers this).
PairingResolver = Callable[[str], Pairing | None]

# The purpose a personal scan event is recorded under, in order of preference.
_SCAN_PURPOSES: Final = (Purpose.PERSONAL_RECS, Purpose.ANALYTICS)


class KioskSession:
    """Who is at the kiosk right now, as far as the kiosk may know."""

    def __init__(self, idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S) -> None:
        self.idle_timeout_s = idle_timeout_s
        self.pairing: Pairing | None = None
        # What this shopper was offered so far (the per-visit cap, no repeats).
        self.visit: Visit | None = None
        self._last_activity = 0.0
        self._active = False

    def pair(self, pairing: Pairing, now: float) -> None:
        """Make the session personal for ``pairing``: a new shopper, a new visit."""
        self.pairing = pairing
        self.visit = None
        self.touch(now)

    def touch(self, now: float) -> None:
        """A scan, a tap or a key: the shopper is still here."""
        self._last_activity = now
        self._active = True

    def end(self) -> bool:
        """End the session ("done"); True if there was anything to end."""
        had = self._active or self.pairing is not None
        self.pairing = None
        self.visit = None
        self._active = False
        return had

    def expire(self, now: float) -> bool:
        """End the session if it has been idle too long; True if it ended now."""
        if self._active and now - self._last_activity >= self.idle_timeout_s:
            return self.end()
        return False

    def scan_purpose(self) -> Purpose | None:
        """The purpose under which this session's scans are personal, or None (anonymous)."""
        if self.pairing is None:
            return None
        for purpose in _SCAN_PURPOSES:
            if purpose in self.pairing.purposes:
                return purpose
        return None
