"""The contract between edge and hub: topics, wire models, purposes, signing, sealing.

Both sides import this package; it imports neither.
"""

from protocol.errors import (
    ProtocolError,
    SealError,
    SignatureError,
    TopicError,
    WireFormatError,
)
from protocol.ids import uuid7
from protocol.models import (
    ACCEPTED_VERSIONS,
    SCHEMA_VERSION,
    Ack,
    Batch,
    Command,
    CommandAck,
    Event,
    Heartbeat,
    Roster,
    State,
)
from protocol.purposes import Purpose
from protocol.topics import Topic, TopicKind

__all__ = [
    "ACCEPTED_VERSIONS",
    "SCHEMA_VERSION",
    "Ack",
    "Batch",
    "Command",
    "CommandAck",
    "Event",
    "Heartbeat",
    "ProtocolError",
    "Purpose",
    "Roster",
    "SealError",
    "SignatureError",
    "State",
    "Topic",
    "TopicError",
    "TopicKind",
    "WireFormatError",
    "uuid7",
]
