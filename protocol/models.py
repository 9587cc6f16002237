"""Wire models (pydantic v2). Every MQTT body in the system is one of these.

Schema version 2 is current. Version 1 carried ``ts`` as unix milliseconds; the
hub still accepts it (``v-1``) so a fleet can be upgraded one device at a time.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal, NotRequired, Self

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict

from protocol.envelope import COMMAND_TTL_S
from protocol.errors import WireFormatError
from protocol.purposes import EVENT_KINDS, PURGED, Purpose
from protocol.timefmt import rfc3339_ms
from protocol.topics import DEVICE_ID_PATTERN

SCHEMA_VERSION: Final = 2
ACCEPTED_VERSIONS: Final = frozenset({SCHEMA_VERSION, SCHEMA_VERSION - 1})
MAX_BATCH_BYTES: Final = 256 * 1024  # four times the uplink's 64 KB target: room, not a cliff

StoreId = Annotated[str, Field(pattern=f"^{DEVICE_ID_PATTERN}$")]
DeviceId = Annotated[str, Field(pattern=f"^{DEVICE_ID_PATTERN}$")]
StreamId = Annotated[str, Field(pattern="^[0-9a-f]{32}$")]
# A pseudonym: never a MAC, a name or an e-mail (no ':' or '@' can match).
Pseudonym = Annotated[str, Field(pattern="^ps_[A-Za-z0-9_-]{16,64}$")]
Seq = Annotated[int, Field(ge=1, lt=2**63)]
Token = Annotated[str, Field(pattern="^[0-9a-f]{16}$")]
EventType = Annotated[str, Field(pattern="^[a-z][a-z0-9._]{0,39}$")]
ConsentId = Annotated[str, Field(max_length=64)]
RfcTime = Annotated[AwareDatetime, Field(strict=True)]  # on the wire only RFC 3339 text

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class WireModel(BaseModel):
    """A frozen message model that reads and writes its exact JSON bytes."""

    model_config = _FROZEN

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=False).encode()

    @classmethod
    def from_bytes(cls, payload: bytes | bytearray | str) -> Self:
        try:
            return cls.model_validate_json(payload)
        except ValidationError as exc:
            raise WireFormatError(_first_error(exc)) from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg']}"


class Event(BaseModel):
    """One event. Anonymous events carry no subject and no purpose; personal ones carry
    the subject's pseudonym, the purpose, the consent record id and sealed data."""

    model_config = _FROZEN

    id: uuid.UUID
    seq: Seq
    # Strict: on the wire (JSON) only an RFC 3339 string with its zone; numbers were v1's.
    ts: RfcTime
    type: EventType
    purpose: Purpose | None = None
    subject: Pseudonym | None = None
    consent: ConsentId | None = None
    data: dict[str, Any] | None = None

    @field_serializer("ts")
    def _ts(self, ts: datetime) -> str:
        return rfc3339_ms(ts)

    @model_validator(mode="after")
    def _coherent(self) -> Event:
        problem = event_problem(self.type, self.purpose, self.subject, self.consent, self.data)
        if problem is not None:
            raise ValueError(problem)
        return self


def event_problem(  # noqa: PLR0911 - one return per rule, in the order they are checked
    type_: str,
    purpose: Purpose | None,
    subject: str | None,
    consent: str | None,
    data: dict[str, Any] | None,
) -> str | None:
    """What makes an event's fields incoherent (None if nothing): an unknown type, a
    tombstone with content, a subject where there must be none or none where there must
    be one, a purpose the type cannot be collected for, no consent record, unsealed data."""
    kind = EVENT_KINDS.get(type_)
    if kind is None:
        return f"unknown event type {type_!r}"
    if type_ == PURGED:
        if subject or data or purpose or consent:
            return "a tombstone carries no subject, purpose, consent or data"
        return None
    if kind.personal != (subject is not None):
        need = "needs a subject" if kind.personal else "is anonymous and takes no subject"
        return f"event type {type_!r} {need}"
    if subject is None:
        if purpose is not None or consent is not None:
            return "an anonymous event carries no purpose or consent"
        return None
    if purpose not in kind.purposes:
        return f"event type {type_!r} cannot be collected for {purpose}"
    if not consent:
        return "a personal event must name the consent record it was collected under"
    if not is_sealed(data):
        return "a personal event's data must be sealed to the hub"
    return None


def is_sealed(data: dict[str, Any] | None) -> bool:
    """True if ``data`` has the sealed form ``{"sealed": "<base64url>"}``."""
    return data is not None and set(data) == {"sealed"} and isinstance(data["sealed"], str)


class EventV1(Event):
    """Schema version 1: the same event with ``ts`` as unix milliseconds."""

    ts: AwareDatetime

    @field_validator("ts", mode="before")
    @classmethod
    def _from_ms(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        raise ValueError("schema v1 carries ts as integer unix milliseconds")

    def upgrade(self) -> Event:
        return Event.model_validate_json(self.model_dump_json())


class BatchHeader(BaseModel):
    """A batch without its events: what the hub checks before any event."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    v: int
    store: StoreId
    device: DeviceId
    stream: StreamId

    @field_validator("v")
    @classmethod
    def _version(cls, value: int) -> int:
        if value not in ACCEPTED_VERSIONS:
            accepted = ", ".join(str(v) for v in sorted(ACCEPTED_VERSIONS))
            raise ValueError(f"schema version {value} is not accepted (accepted: {accepted})")
        return value


class Batch(BatchHeader):
    """``{v, store, device, stream, events}``: the body of ``{device}/evt``."""

    model_config = _FROZEN

    events: list[Event] = Field(min_length=1)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


# -- the same batch as plain dicts, for the hub's hot path --------------------------------
#
# Building an Event model per event costs more than the rest of ingest together. The
# hub validates whole batches against these TypedDicts instead (types, patterns and
# ranges checked in pydantic-core, no instance built) and makes the checks of
# ``Event._coherent`` itself; a batch that fails either goes to ``Event`` event by event.
# Ids must be canonical (lowercase, hyphenated) here, so ``id`` is already what
# ``str(Event.id)`` would give; other spellings take the model path.

CanonicalUuid = Annotated[
    str, Field(pattern="^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]


class EventFields(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    id: CanonicalUuid
    seq: Seq
    ts: RfcTime
    type: EventType
    purpose: NotRequired[Purpose | None]
    subject: NotRequired[Pseudonym | None]
    consent: NotRequired[ConsentId | None]
    data: NotRequired[dict[str, Any] | None]


class BatchFields(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    v: int  # the hub takes the model path for anything but SCHEMA_VERSION
    store: StoreId
    device: DeviceId
    stream: StreamId
    events: Annotated[list[EventFields], Field(min_length=1)]


BATCH_FIELDS: Final = TypeAdapter(BatchFields)


def encode_batch(
    store: str, device: str, stream: str, events_json: Sequence[bytes], v: int = SCHEMA_VERSION
) -> bytes:
    """Assemble a batch from events already serialised (as the outbox stores them).

    No re-serialisation: the signature is over these exact bytes.
    """
    head = orjson.dumps({"v": v, "store": store, "device": device, "stream": stream})
    return head[:-1] + b',"events":[' + b",".join(events_json) + b"]}"


def decode_event(raw: Any, v: int = SCHEMA_VERSION) -> Event:
    """Validate one event (a parsed JSON value) of schema ``v``; raise WireFormatError."""
    try:
        if v == SCHEMA_VERSION:
            return Event.model_validate_json(orjson.dumps(raw))
        return EventV1.model_validate_json(orjson.dumps(raw)).upgrade()
    except ValidationError as exc:
        raise WireFormatError(_first_error(exc)) from exc


class Ack(WireModel):
    """``{device}/ack``: every seq up to ``through_seq`` of ``stream`` is settled at the hub."""

    v: int = SCHEMA_VERSION
    stream: StreamId
    through_seq: int = Field(ge=0)


class State(WireModel):
    """Birth (retained) and will on ``{device}/state`` and ``hub/state``."""

    v: int = SCHEMA_VERSION
    online: bool
    version: str | None = None
    config_version: str | None = None
    stream: StreamId | None = None


class Heartbeat(WireModel):
    """``{device}/hb`` every 15 s."""

    v: int = SCHEMA_VERSION
    ts: AwareDatetime
    uptime_s: float = Field(ge=0)
    outbox_depth: int = Field(ge=0)
    outbox_bytes: int = Field(ge=0)
    clock_offset_ms: float = 0.0
    version: str
    config_version: str | None = None
    counters: dict[str, int] = Field(default_factory=dict)
    last_error: str | None = None

    @field_serializer("ts")
    def _ts(self, ts: datetime) -> str:
        return rfc3339_ms(ts)


class ConfigPush(BaseModel):
    model_config = _FROZEN
    action: Literal["config"] = "config"
    config_version: str
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    config: dict[str, JsonValue]


class PurgeSubjects(BaseModel):
    """Tombstone every buffered event of these subjects and drop their state."""

    model_config = _FROZEN
    action: Literal["purge"] = "purge"
    subjects: list[Pseudonym] = Field(min_length=1)
    purposes: list[Purpose] | None = None  # None: every purpose


class ModelPush(BaseModel):
    model_config = _FROZEN
    action: Literal["model"] = "model"
    name: str
    version: str
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    content_b64: str

    def content(self) -> bytes:
        return base64.b64decode(self.content_b64)


class Command(WireModel):
    """``{device}/cmd``, signed by the hub (protocol/envelope.py) and addressed to the
    device (``to``); answered on ``{device}/cmdack`` with the same id. Each resend is
    signed afresh with a new ``issued`` and ``expires`` (unix seconds) and the same id."""

    v: int = SCHEMA_VERSION
    id: uuid.UUID
    to: str = ""  # the device it is for: a copy published to another device is refused
    issued: float = 0.0
    expires: float = 0.0  # unset: already expired, so only ``issue`` makes a live one
    body: ConfigPush | PurgeSubjects | ModelPush = Field(discriminator="action")

    @classmethod
    def issue(
        cls,
        command_id: uuid.UUID,
        to: str,
        body: ConfigPush | PurgeSubjects | ModelPush,
        now: float,
    ) -> Command:
        return cls(id=command_id, to=to, issued=now, expires=now + COMMAND_TTL_S, body=body)


class CommandAck(WireModel):
    v: int = SCHEMA_VERSION
    id: uuid.UUID
    status: Literal["applied", "failed", "rolled_back", "done"]
    detail: str = ""


class Sightings(WireModel):
    """``{device}/seen`` (QoS 0, never retained): what one gateway kept in the last tick,
    so that every gateway can compare receivers. Only roster tokens: strangers never
    leave the gateway that heard them, beacon health stays there too."""

    v: int = SCHEMA_VERSION
    items: list[tuple[float, Token, int]]  # (unix seconds, token, rssi dBm)


class RosterEntry(BaseModel):
    """Whom a token stands for, so a gateway can name the shopper in a zone event: the
    pseudonym and the consent record, never more."""

    model_config = _FROZEN
    subject: Pseudonym
    consent: str = Field(max_length=64)


class Roster(WireModel):
    """``roster`` (retained, signed by the hub): BLE tokens of opted-in shoppers for the
    windows around now. ``version`` only goes up: a gateway refuses a roster older than
    the one it holds, so a replayed roster cannot bring back a withdrawn shopper."""

    v: int = SCHEMA_VERSION
    version: int = Field(default=0, ge=0)
    issued: float = 0.0
    expires: float = 0.0  # unset: already expired, so a device refuses it
    windows: list[int]
    tokens: list[Token]
    entries: dict[Token, RosterEntry] = Field(default_factory=dict)
