"""Checking incoming batches: topic, size, device, signature, schema, each event, consent.

Nothing here raises on input: whatever is wrong becomes a :class:`DeadLetter` with its
reason, per event where the batch itself is sound. Consent is checked per event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import orjson
from pydantic import ValidationError

from hub.storage import CheckedBatch, DeadLetter, EventRow, EventStore
from protocol.errors import SignatureError, TopicError, WireFormatError
from protocol.models import (
    BATCH_FIELDS,
    MAX_BATCH_BYTES,
    SCHEMA_VERSION,
    BatchFields,
    BatchHeader,
    EventFields,
    decode_event,
    event_problem,
)
from protocol.signing import public_key_from_text, verify
from protocol.topics import Topic, TopicKind

# (subject, purpose, collected_at unix s) -> was the event collected under a grant that
# is still in force? Withdrawal makes it False at once, whenever the event was created.
ConsentCheck = Callable[[str, str, float], bool]


class DataProtector(Protocol):
    """What the hub stores for a personal event's (sealed) data: re-encrypted under the
    shopper's own key, so erasure can shred it; None to keep no data."""

    def __call__(
        self, event_id: str, subject: str, ts: float, data: dict[str, Any]
    ) -> bytes | None: ...


def plain_data(event_id: str, subject: str, ts: float, data: dict[str, Any]) -> bytes | None:
    """Store personal data as the edge sent it: sealed to the hub key (the spine alone)."""
    return orjson.dumps(data)


def content_hash(raw: Any) -> bytes:
    """A digest of an invalid event's content (a parsed JSON value), independent of key
    order: enough to tell a resend of the same bad event from a different one."""
    return hashlib.blake2b(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS), digest_size=16).digest()


def event_digest(  # noqa: PLR0917 - one event's fields, in wire order
    event_id: str,
    seq: int,
    ts: float,
    type_: str,
    purpose: str | None,
    subject: str | None,
    consent: str | None,
    data_json: bytes,
) -> bytes:
    """A digest of a valid event's content, the same whichever path validated it: the
    BLAKE2b of ``orjson.dumps((id, seq, ts, type, purpose, subject, consent, data))``,
    made from ``data_json`` (``orjson.dumps(data)``) so the data is serialised once."""
    head = orjson.dumps((event_id, seq, ts, type_, purpose, subject, consent))
    return hashlib.blake2b(head[:-1] + b"," + data_json + b"]", digest_size=16).digest()


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
        fields = _batch_fields(payload)
        if fields is not None:
            if fields["device"] != device or fields["store"] != parsed.store:
                return _rejected("bad batch", "store or device differs from the topic", device)
            checked = CheckedBatch(device, fields["stream"])
            if self._accept_all(checked, fields["events"]):
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

    def _accept_all(self, checked: CheckedBatch, events: list[EventFields]) -> bool:
        """The fast path: events whose fields pydantic-core has checked. False (and the
        batch goes to the slow path) at the first one ``Event`` would refuse."""
        times: dict[datetime, float] = {}  # a group commit's events share their time
        for event in events:
            type_ = event["type"]
            purpose = event.get("purpose")
            subject = event.get("subject")
            consent = event.get("consent")
            data = event.get("data")
            if event_problem(type_, purpose, subject, consent, data) is not None:
                return False
            when = event["ts"]
            ts = times.get(when)
            if ts is None:
                ts = times[when] = when.timestamp()
            self._admit(
                checked, event["id"], event["seq"], ts, type_, purpose, subject, consent, data
            )
        return True

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
        self._admit(
            checked,
            str(event.id),
            event.seq,
            event.ts.timestamp(),
            event.type,
            event.purpose,
            event.subject,
            event.consent,
            event.data,
        )

    def _admit(  # noqa: PLR0917 - one event's fields, in wire order
        self,
        checked: CheckedBatch,
        event_id: str,
        seq: int,
        ts: float,
        type_: str,
        purpose: str | None,
        subject: str | None,
        consent: str | None,
        data: dict[str, Any] | None,
    ) -> None:
        """A valid event: stored, unless it is personal and its purpose has no consent."""
        data_json = orjson.dumps(data)
        digest = event_digest(event_id, seq, ts, type_, purpose, subject, consent, data_json)
        if subject is None:
            stored = None if data is None else data_json
        elif purpose is None or not self._consent(subject, purpose, ts):
            # Nothing of the event is kept: no subject, no data.
            checked.dead.append(
                DeadLetter(
                    "no consent",
                    f"no consent on record for {purpose}",
                    checked.device,
                    checked.stream,
                    seq,
                    digest,
                    event_id,
                )
            )
            return
        else:
            stored = None if data is None else self._protect(event_id, subject, ts, data)
        checked.rows.append(
            EventRow(seq, event_id, ts, type_, purpose, subject, consent, digest, stored)
        )


def _batch_fields(payload: bytes) -> BatchFields | None:
    """The whole batch parsed and checked at once in pydantic-core (no Python objects but
    the dicts), when it is a sound batch of the current schema."""
    try:
        fields = BATCH_FIELDS.validate_json(payload)
    except ValidationError:
        return None
    return fields if fields["v"] == SCHEMA_VERSION else None


def _rejected(reason: str, detail: str, device: str | None = None) -> CheckedBatch:
    batch = CheckedBatch(device=None, stream=None)
    batch.dead.append(DeadLetter(reason, detail, device))
    return batch
