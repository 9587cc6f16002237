"""Topic builder and parser: ``instore/v1/{store}/{device}/{kind}`` and the store-wide topics."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Final

from protocol.errors import TopicError

PREFIX: Final = "instore/v1"
DEVICE_ID_PATTERN: Final = r"[a-z0-9-]{1,40}"
_ID_RE: Final = re.compile(DEVICE_ID_PATTERN)
HUB_ID: Final = "hub"  # reserved: no device may enrol under this id
# The hub's second broker login, for its purge and roster bursts (hub/consent/commands.py).
# The broker ties each connection's client id to its login, so one login is one
# connection; the dot keeps it out of the device ids.
HUB_CONSENT_ID: Final = "hub.consent"


class TopicKind(enum.StrEnum):
    """The last level of a device topic, or a store-wide topic."""

    EVT = "evt"
    ACK = "ack"
    STATE = "state"
    HB = "hb"
    CMD = "cmd"
    CMDACK = "cmdack"
    SEEN = "seen"  # a gateway's kept sightings, for the gateways that zone them
    HUB_STATE = "hub/state"
    ROSTER = "roster"


_DEVICE_KINDS: Final = frozenset(
    {
        TopicKind.EVT,
        TopicKind.ACK,
        TopicKind.STATE,
        TopicKind.HB,
        TopicKind.CMD,
        TopicKind.CMDACK,
        TopicKind.SEEN,
    }
)


def check_id(value: str, what: str = "device id") -> str:
    """Return ``value`` if it is a valid store or device id, else raise :class:`TopicError`."""
    if not _ID_RE.fullmatch(value):
        raise TopicError(value, f"{what} must match {DEVICE_ID_PATTERN}")
    return value


def check_device_id(value: str) -> str:
    """Like :func:`check_id`, and refuse the reserved id ``hub``."""
    check_id(value)
    if value == HUB_ID:
        raise TopicError(value, "device id 'hub' is reserved for the hub")
    return value


@dataclass(frozen=True, slots=True)
class Topic:
    """One parsed topic. ``device`` is None for the store-wide topics."""

    store: str
    kind: TopicKind
    device: str | None = None

    def __post_init__(self) -> None:
        check_id(self.store, "store id")
        if self.kind in _DEVICE_KINDS:
            if self.device is None:
                raise TopicError(str(self.kind), "a device topic needs a device id")
            check_device_id(self.device)
        elif self.device is not None:
            raise TopicError(str(self.kind), "a store-wide topic has no device id")

    def __str__(self) -> str:
        if self.device is None:
            return f"{PREFIX}/{self.store}/{self.kind}"
        return f"{PREFIX}/{self.store}/{self.device}/{self.kind}"

    @classmethod
    def device_topic(cls, store: str, device: str, kind: TopicKind) -> Topic:
        return cls(store=store, kind=kind, device=device)

    @classmethod
    def parse(cls, topic: str) -> Topic:
        """Parse a concrete topic; raise :class:`TopicError` on anything else."""
        parts = topic.split("/")
        if len(parts) < 4 or "/".join(parts[:2]) != PREFIX:
            raise TopicError(topic, f"must start with {PREFIX}/<store>/")
        store, rest = parts[2], parts[3:]
        try:
            if rest == ["roster"]:
                return cls(store=store, kind=TopicKind.ROSTER)
            if rest == ["hub", "state"]:
                return cls(store=store, kind=TopicKind.HUB_STATE)
            if len(rest) == 2:
                return cls(store=store, kind=TopicKind(rest[1]), device=rest[0])
        except ValueError:
            pass
        raise TopicError(topic, "unknown topic kind")


def subscription(store: str | None, kind: TopicKind) -> str:
    """A wildcard filter for one kind of device topic, in one store or (None) all stores."""
    store_part = "+" if store is None else check_id(store, "store id")
    if kind in _DEVICE_KINDS:
        return f"{PREFIX}/{store_part}/+/{kind}"
    return f"{PREFIX}/{store_part}/{kind}"
