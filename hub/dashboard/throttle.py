"""Login throttling that slows guessing without letting anyone lock the staff out.

Every failed login makes the next try on the same keys wait longer (growing delays,
never a lock-out):

- a browser with a *device cookie* from an earlier successful login as that account is
  judged by its own failures only (key: the device and the account), so a person who has
  not failed is never turned away because of someone else's guessing;
- any other client is judged per (account, address), per address (generously: a store's
  staff share one address behind its NAT) and, for the account, across every address
  (only such clients: it slows a distributed guess at one password).

A pure core but for its lock: the caller passes ``now`` and the client's address.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Rule:
    free: int  # failures that cost nothing (typos)
    first_s: float  # the first wait; each further failure doubles it
    longest_s: float
    forget_s: float  # a failure this old no longer counts

    def wait(self, failures: int, last: float, now: float) -> float:
        if failures < self.free:
            return 0.0
        delay = min(self.longest_s, self.first_s * 2.0 ** (failures - self.free))
        return max(0.0, last + delay - now)


DEVICE: Final = Rule(free=5, first_s=1.0, longest_s=300.0, forget_s=3600.0)
PAIR: Final = Rule(free=3, first_s=2.0, longest_s=900.0, forget_s=3600.0)
ADDRESS: Final = Rule(free=20, first_s=1.0, longest_s=120.0, forget_s=3600.0)
ACCOUNT: Final = Rule(free=10, first_s=5.0, longest_s=900.0, forget_s=3600.0)
MAX_KEYS: Final = 50_000  # failures remembered; a spray of names cannot grow it further


@dataclass(frozen=True, slots=True)
class Attempt:
    account: str
    address: str
    device: str | None = None  # a device cookie the hub issued to this account, if any

    def counted_as(self) -> list[tuple[tuple[str, ...], Rule]]:
        """The keys this attempt's failures count against, each with its rule."""
        if self.device is not None:
            return [(("device", self.device, self.account), DEVICE)]
        return [
            (("pair", self.account, self.address), PAIR),
            (("address", self.address), ADDRESS),
            (("account", self.account), ACCOUNT),
        ]


class LoginThrottle:
    def __init__(self) -> None:
        self._failures: dict[tuple[str, ...], tuple[int, float]] = {}  # key -> (n, last)
        self._lock = threading.Lock()

    def wait(self, attempt: Attempt, now: float) -> float:
        """Seconds before ``attempt`` may be tried (0: now)."""
        with self._lock:
            return max(
                (self._wait(key, rule, now) for key, rule in attempt.counted_as()), default=0.0
            )

    def _wait(self, key: tuple[str, ...], rule: Rule, now: float) -> float:
        n, last = self._failures.get(key, (0, 0.0))
        if n and now - last > rule.forget_s:
            del self._failures[key]
            return 0.0
        return rule.wait(n, last, now)

    def failed(self, attempt: Attempt, now: float) -> None:
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                self._failures = {k: v for k, v in self._failures.items() if now - v[1] < 60}
            for key, _ in attempt.counted_as():
                n, _last = self._failures.get(key, (0, 0.0))
                self._failures[key] = (n + 1, now)

    def succeeded(self, attempt: Attempt) -> None:
        """A good password clears that client's own record (not the address's)."""
        with self._lock:
            for key, _ in attempt.counted_as():
                if key[0] in ("device", "pair"):
                    self._failures.pop(key, None)


def in_words(seconds: float) -> str:
    """A wait as a person says it: "40 seconds", "1 minute", "12 minutes"."""
    if seconds <= 60:
        s = max(1, math.ceil(seconds))
        return f"{s} second{'s' if s != 1 else ''}"
    m = math.ceil(seconds / 60)
    return f"{m} minute{'s' if m != 1 else ''}"
