"""The edge agent's exception tree. Third-party errors (sqlite3, paho, cv2, bleak,
onnxruntime) are caught where they enter and re-raised as one of these with ``from``."""

from __future__ import annotations

from domain.errors import InputError, InstoreError


class EdgeError(InstoreError):
    """Root of every error raised by :mod:`edge`."""


class OutboxError(EdgeError):
    """The outbox cannot store or read events."""


class OutboxFullError(OutboxError):
    """The outbox is at its size limit: the new events were refused, nothing was dropped."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"outbox full ({limit_bytes} bytes); new events refused")
        self.limit_bytes = limit_bytes


class EdgeInputError(EdgeError, InputError):
    """Bad input from a user or a file (an unreadable image, malformed hex, a bad trace)."""
