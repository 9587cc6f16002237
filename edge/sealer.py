"""Personal events leave the feature cores as drafts with their data sealed to the hub."""

from __future__ import annotations

from typing import Any

from edge.outbox import Draft
from protocol.ids import uuid7
from protocol.sealing import seal, x25519_public_from_text


class Sealer:
    """Makes outbox drafts; a draft with a subject gets its id now and its data sealed to
    the hub's key, bound to that id and subject (the broker never sees it in clear)."""

    def __init__(self, hub_seal_key: str) -> None:
        self._key = x25519_public_from_text(hub_seal_key)

    def draft(
        self,
        type: str,  # noqa: A002 - the wire's own name
        ts: float,
        data: dict[str, Any],
        *,
        subject: str | None = None,
        purpose: str | None = None,
        consent: str | None = None,
    ) -> Draft:
        if subject is None:
            return Draft(type=type, ts=ts, data=data)
        event_id = uuid7(int(ts * 1000))
        return Draft(
            type=type,
            ts=ts,
            data=seal(self._key, str(event_id), subject, data),
            subject=subject,
            purpose=purpose,
            consent=consent,
            id=event_id,
        )
