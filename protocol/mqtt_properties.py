"""MQTT 5 properties the project sends, built in one place (paho's ``Properties`` is
untyped; this is the boundary)."""

from __future__ import annotations

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from protocol.signing import SIG_PROPERTY


def connect_properties(session_expiry_s: int) -> Properties:
    """CONNECT properties for a persistent session that outlives a restart."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = session_expiry_s
    return props


def signed_publish(sig: str) -> Properties:
    """PUBLISH properties carrying the batch signature as the user property ``sig``."""
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.UserProperty = [(SIG_PROPERTY, sig)]
    return props


def signature_of(props: Properties | None) -> str | None:
    """The ``sig`` user property of a received message, if any."""
    for name, value in getattr(props, "UserProperty", None) or ():
        if name == SIG_PROPERTY:
            return str(value)
    return None
