"""MQTT 5 clients and the properties the project sends, built in one place (paho's
``Properties`` is untyped; this is the boundary)."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from protocol.enrolment import BrokerAddress
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


def hub_signed(signatures: list[tuple[str, str]]) -> Properties:
    """PUBLISH properties carrying the hub's signatures (protocol/envelope.py)."""
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.UserProperty = signatures
    return props


def signatures_of(props: Properties | None) -> list[str]:
    """Every ``sig`` user property of a received message."""
    return [
        str(value)
        for name, value in getattr(props, "UserProperty", None) or ()
        if name == SIG_PROPERTY
    ]


def signature_of(props: Properties | None) -> str | None:
    """The ``sig`` user property of a received message, if any."""
    for name, value in getattr(props, "UserProperty", None) or ():
        if name == SIG_PROPERTY:
            return str(value)
    return None


def new_client(client_id: str, broker: BrokerAddress, max_inflight: int) -> mqtt.Client:
    """An MQTT 5 paho client with the broker's credentials and, when it names a CA, TLS
    with the client certificate (edge and hub connect the same way)."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    client.max_inflight_messages_set(max_inflight)
    client.on_socket_open = _no_delay
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls_ca:
        client.tls_set(
            ca_certs=broker.tls_ca,
            certfile=broker.tls_cert,
            keyfile=broker.tls_key,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    return client


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """Send small packets (acks, PUBACKs) at once. Paho leaves Nagle's algorithm on, and
    with the peer's delayed ACK that holds a small packet behind a large one for 40 ms."""
    raw = getattr(sock, "socket", None) or sock  # paho may hand over a wrapper
    if isinstance(raw, socket.socket) and raw.family in (socket.AF_INET, socket.AF_INET6):
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
