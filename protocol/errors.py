"""The protocol's own exception tree; third-party errors are translated into these."""

from __future__ import annotations


class ProtocolError(Exception):
    """Root of every error raised by :mod:`protocol`."""


class TopicError(ProtocolError):
    """A topic string or a topic part does not follow the contract."""

    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"topic {topic!r}: {reason}")
        self.topic = topic
        self.reason = reason


class WireFormatError(ProtocolError):
    """A payload is not valid JSON or does not match its model."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureError(ProtocolError):
    """A signature is missing, malformed or does not verify."""


class SealError(ProtocolError):
    """Sealed data cannot be opened (wrong key, tampered, malformed)."""
