"""Debounce: the same code held in view is one scan.

A code is reported when first seen; it is reported again only after it has been out of
view for ``gap_s`` (the shopper took the pack away and brought it back). A pure core:
``now`` is an argument, so tests and replays drive it with plain numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from domain.catalog.symbols import Code

# 1.5 s: a code drops out of a few frames when the pack wobbles or glare crosses it;
# shorter gaps than this are the same scan, not a new one.
DEFAULT_GAP_S: Final = 1.5


class Debouncer:
    """Turns per-frame reads into scans."""

    def __init__(self, gap_s: float = DEFAULT_GAP_S) -> None:
        self.gap_s = gap_s
        self._last_seen: dict[Code, float] = {}

    def feed(self, codes: Iterable[Code], now: float) -> list[Code]:
        """The codes in this frame that count as new scans at ``now``."""
        fresh = []
        for code in dict.fromkeys(codes):
            last = self._last_seen.get(code)
            if last is None or now - last > self.gap_s:
                fresh.append(code)
            self._last_seen[code] = now
        self._forget(now)
        return fresh

    def _forget(self, now: float) -> None:
        stale = [c for c, t in self._last_seen.items() if now - t > self.gap_s]
        for code in stale:
            del self._last_seen[code]
