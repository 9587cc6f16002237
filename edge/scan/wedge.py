"""Handheld scanners that act as a keyboard (keyboard wedge).

A USB scanner types the code's digits very fast and ends with Enter. The kiosk page sees
those keystrokes; :class:`WedgeAssembler` tells a scanner's burst from a person typing by
the gap between keys, so a shopper's keyboard use of the page is never taken for a scan.
:class:`StreamCodeInput` reads a scanner that a host exposes as lines on a text stream
(a tty or a serial port in keyboard-wedge-to-serial mode).
"""

from __future__ import annotations

import queue
import threading
from typing import Final, TextIO

# Scanners type a character every 1-20 ms; people rarely type faster than one per 50 ms.
MAX_KEY_GAP_S: Final = 0.05
MIN_CODE_LENGTH: Final = 6  # shortest retail code we accept (UPC-E without check is 6+)
MAX_CODE_LENGTH: Final = 256


class WedgeAssembler:
    """Assembles scanner bursts from timestamped keystrokes. Pure: time is an argument."""

    def __init__(self, max_gap_s: float = MAX_KEY_GAP_S) -> None:
        self.max_gap_s = max_gap_s
        self._buffer: list[str] = []
        self._last: float | None = None

    def key(self, char: str, now: float) -> str | None:
        """Feed one key (``"\\n"`` or ``"\\r"`` for Enter); a whole code when Enter ends a
        fast burst, else None."""
        if self._last is not None and now - self._last > self.max_gap_s:
            self._buffer.clear()
        self._last = now
        if char in ("\n", "\r"):
            text = "".join(self._buffer)
            self._buffer.clear()
            self._last = None
            return text if MIN_CODE_LENGTH <= len(text) <= MAX_CODE_LENGTH else None
        if len(char) == 1 and char.isprintable() and len(self._buffer) < MAX_CODE_LENGTH:
            self._buffer.append(char)
        return None


class StreamCodeInput:
    """The :class:`edge.ports.CodeInput` port over a text stream of one code per line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True, name="wedge-reader")
        self._thread.start()

    def _pump(self) -> None:
        for line in self._stream:
            text = line.strip()
            if MIN_CODE_LENGTH <= len(text) <= MAX_CODE_LENGTH:
                self._queue.put(text)
        self._queue.put(None)

    def read_code(self, timeout_s: float) -> str | None:
        try:
            return self._queue.get(timeout=max(0.0, timeout_s))
        except queue.Empty:
            return None

    def close(self) -> None:
        self._stream.close()
