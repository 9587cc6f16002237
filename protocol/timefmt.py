"""RFC 3339 UTC timestamps with milliseconds, as the wire carries them."""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339_ms(moment: datetime) -> str:
    """``2026-11-23T12:00:00.123Z`` for an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("timestamps on the wire must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def from_unix(seconds: float) -> datetime:
    """An aware UTC datetime for unix ``seconds``, truncated to the millisecond."""
    ms = int(seconds * 1000)
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
