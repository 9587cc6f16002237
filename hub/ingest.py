"""Checking incoming batches: topic, size, device, signature, schema, each event, consent.

Nothing here raises on input: whatever is wrong becomes a :class:`DeadLetter` with its
reason, per event where the batch itself is sound. Consent is checked per event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from pydantic import ValidationError

from hub.storage import CheckedBatch, DeadLetter, EventRow, EventStore
from protocol.errors import SignatureError, TopicError, WireFormatError
from protocol.models import (
    MAX_BATCH_BYTES,
    SCHEMA_VERSION,
    Batch,
    BatchHeader,
    Event,
    decode_event,
)
from protocol.purposes import PURGED
from protocol.signing import public_key_from_text, verify
from protocol.topics import Topic, TopicKind

# (subject, purpose, collected_at unix s) -> was the event collected under a grant that
# is still in force? Withdrawal makes it False at once, whenever the event was created.
ConsentCheck = Callable[[str, str, float], bool]
# What the hub stores for an event's data: anonymous data as JSON; personal data
# re-encrypted under the shopper's own key (so erasure can shred it).
DataProtector = Callable[[Event], bytes | None]


def plain_data(event: Event) -> bytes | None:
    """Store data as the edge sent it (sealed data stays sealed to the hub key)."""
    return None if event.data is None else orjson.dumps(event.data)


def content_hash(raw: Any) -> bytes:
    """A digest of an invalid event's content (a parsed JSON value), independent of key
    order: enough to tell a resend of the same bad event from a different one."""
    return hashlib.blake2b(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


def event_hash(event_id: str, ts: float, event: Event) -> bytes:
    """A digest of a valid event's content, the same whichever path validated it."""
    fields = (event_id, event.seq, ts, event.type, event.purpose, event.subject,
              event.consent, event.data)  # fmt: skip
    return hashlib.blake2b(orjson.dumps(fields), digest_size=16).digest()


class BatchChecker:
    """Turns ``(topic, payload, sig)`` into a :class:`CheckedBatch`."""

    def __init__(
        self,
        store: EventStore,
        consent: ConsentCheck,
        protect: DataProtector = plain_data,
        max_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        self._store = store
        self._consent = consent
        self._protect = protect
        self._max_bytes = max_bytes
        self._pubkeys: dict[str, Any] = {}

    def check(self, topic: str, payload: bytes, sig: str | None) -> CheckedBatch:  # noqa: PLR0911
        """Every early return is one reason a whole batch is dead-lettered."""
        try:
            parsed = Topic.parse(topic)
        except TopicError as exc:
            return _rejected("bad topic", str(exc))
        device = parsed.device
        if parsed.kind is not TopicKind.EVT or device is None:
            return _rejected("bad topic", f"not an event topic: {topic}")
        if len(payload) > self._max_bytes:
            return _rejected("oversize", f"{len(payload)} bytes > {self._max_bytes}", device)
        key_text = self._store.device_key(device)
        if key_text is None:
            return _rejected("unknown device", "not enrolled or revoked", device)
        try:
            verify(self._public_key(key_text), payload, sig)
        except SignatureError as exc:
            # Not settled: a forged batch must not take seqs from the real device.
            return _rejected("bad signature", str(exc), device)
        fast = self._fast_path(payload)
        if fast is not None:
            if fast.device != device or fast.store != parsed.store:
                return _rejected("bad batch", "store or device differs from the topic", device)
            checked = CheckedBatch(device, fast.stream)
            for event in fast.events:
                self._accept(checked, event)
            return checked
        return self._slow_path(parsed.store, device, payload)

    def _slow_path(self, store: str, device: str, payload: bytes) -> CheckedBatch:
        """A batch that did not validate as a whole: find out what is wrong, event by event."""
        try:
            body = orjson.loads(payload)
            header = BatchHeader.model_validate(body)
        except orjson.JSONDecodeError as exc:
            return _rejected("bad json", str(exc).split(":")[0], device)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"])
            return _rejected("bad batch", f"{where}: {err['msg']}", device)
        if header.device != device or header.store != store:
            return _rejected("bad batch", "store or device differs from the topic", device)
        raw_events = body.get("events")
        if not isinstance(raw_events, list) or not raw_events:
            return _rejected("bad batch", "events must be a non-empty list", device)
        checked = CheckedBatch(device, header.stream)
        for raw in raw_events:
            self._check_event(checked, raw, header.v)
        return checked

    def _public_key(self, text: str) -> Any:
        key = self._pubkeys.get(text)
        if key is None:
            key = self._pubkeys[text] = public_key_from_text(text)
        return key

    @staticmethod
    def _fast_path(payload: bytes) -> Batch | None:
        """The whole batch parsed and validated at once, in pydantic's JSON mode (no
        Python dicts on the way), when it is a sound batch of the current schema."""
        try:
            batch = Batch.model_validate_json(payload)
        except ValidationError:
            return None
        return batch if batch.v == SCHEMA_VERSION else None

    def _check_event(self, checked: CheckedBatch, raw: Any, v: int) -> None:
        """The slow path: one event of a batch that did not validate as a whole."""
        try:
            event = decode_event(raw, v)
        except WireFormatError as exc:
            seq = raw.get("seq") if isinstance(raw, dict) else None
            known = seq if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1 else None
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            checked.dead.append(
                DeadLetter(
                    "bad event",
                    exc.reason,
                    checked.device,
                    checked.stream,
                    known,
                    content_hash(raw),
                    raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None,
                )
            )
            return
        self._accept(checked, event)

    def _accept(self, checked: CheckedBatch, event: Event) -> None:
        """A valid event: stored, unless it is personal and its purpose has no consent."""
        event_id, ts = str(event.id), event.ts.timestamp()
        digest = event_hash(event_id, ts, event)
        subject, purpose = event.subject, event.purpose
        if subject is not None and purpose is not None and not self._consent(subject, purpose, ts):
            # Nothing of the event is kept: no subject, no data.
            checked.dead.append(
                DeadLetter(
                    "no consent",
                    f"no consent on record for {purpose}",
                    checked.device,
                    checked.stream,
                    event.seq,
                    digest,
                    event_id,
                )
            )
            return
        checked.rows.append(
            EventRow(
                event.seq,
                event_id,
                ts,
                event.type,
                purpose,
                subject,
                event.consent,
                digest,
                self._protect(event),
                event.type == PURGED,
            )
        )


def _rejected(reason: str, detail: str, device: str | None = None) -> CheckedBatch:
    batch = CheckedBatch(device=None, stream=None)
    batch.dead.append(DeadLetter(reason, detail, device))
    return batch
