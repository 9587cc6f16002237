"""MQTT as the attack uses it: one blocking connection at a time, what the broker said to
each step, and a watcher that sees what the broker delivered."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from protocol.enrolment import BrokerAddress
from protocol.mqtt_properties import connect_properties

WAIT_S: Final = 5.0
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes
    at: float
    retained: bool
    user_properties: tuple[tuple[str, str], ...] = ()


@dataclass
class Connection:
    """One MQTT 5 client: ``open`` says whether the broker let it in."""

    address: BrokerAddress
    client_id: str
    clean_start: bool = True
    session_expiry_s: int = 0  # a session that outlives the connection, as devices keep
    received: list[Received] = field(default_factory=list)
    refused: str = ""
    session_present: bool = False
    _client: mqtt.Client | None = None
    _up: threading.Event = field(default_factory=threading.Event)
    _down: threading.Event = field(default_factory=threading.Event)
    _acks: dict[int, int] = field(default_factory=dict)
    _granted: dict[int, list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, timeout: float = WAIT_S) -> bool:
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
        )
        if self.address.username is not None:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls_ca:
            client.tls_set(
                ca_certs=self.address.tls_ca,
                certfile=self.address.tls_cert,
                keyfile=self.address.tls_key,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        client.reconnect_delay_set(3600, 3600)  # one attempt: the attack judges each
        self._client = client
        try:
            client.connect(
                self.address.host,
                self.address.port,
                keepalive=30,
                clean_start=self.clean_start,
                properties=connect_properties(self.session_expiry_s),
            )
        except (OSError, ssl.SSLError) as exc:
            self.refused = f"connection failed: {exc}"
            return False
        client.loop_start()
        if not self._up.wait(timeout) or self.refused:
            self.refused = self.refused or "no answer from the broker"
            self.close()
            return False
        return True

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: ReasonCode,
                    props: Properties | None) -> None:  # fmt: skip
        if rc.is_failure:
            self.refused = f"refused: {rc}"
        self.session_present = bool(getattr(flags, "session_present", False))
        self._up.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, rc: ReasonCode,
                       props: Properties | None) -> None:  # fmt: skip
        if not self._up.is_set():
            self.refused = f"disconnected: {rc}"
            self._up.set()
        self._down.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        props = getattr(msg.properties, "UserProperty", None) or ()
        with self._lock:
            self.received.append(
                Received(
                    msg.topic,
                    bytes(msg.payload),
                    time.time(),
                    bool(msg.retain),
                    tuple((str(k), str(v)) for k, v in props),
                )
            )

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, rc: ReasonCode,
                    props: Properties | None) -> None:  # fmt: skip
        with self._lock:
            self._acks[mid] = rc.value

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int,
                      codes: list[ReasonCode], props: Properties | None) -> None:  # fmt: skip
        with self._lock:
            self._granted[mid] = [c.value for c in codes]

    @property
    def dropped(self) -> bool:
        """The broker closed this connection after it was let in."""
        return self._down.is_set()

    def publish(
        self,
        topic: str,
        payload: bytes,
        *,
        properties: Properties | None = None,
        retain: bool = False,
        timeout: float = WAIT_S,
    ) -> int | None:
        """Publish at QoS 1; the PUBACK's reason code (0: taken), None if none came."""
        if self._client is None:
            raise RuntimeError("open the connection first")
        info = self._client.publish(topic, payload, qos=1, retain=retain, properties=properties)
        return self._wait(lambda: self._acks.get(info.mid), timeout)

    def subscribe(self, topic: str, timeout: float = WAIT_S) -> bool:
        """Subscribe at QoS 1; True if the broker granted it."""
        if self._client is None:
            raise RuntimeError("open the connection first")
        _, mid = self._client.subscribe(topic, qos=1)
        if mid is None:
            return False
        codes = self._wait(lambda: self._granted.get(mid), timeout)
        return codes is not None and bool(codes) and all(c < 0x80 for c in codes)

    def _wait(self, get: Callable[[], T | None], timeout: float) -> T | None:
        ends = time.monotonic() + timeout
        while time.monotonic() < ends and not self.dropped:
            with self._lock:
                value = get()
            if value is not None:
                return value
            time.sleep(0.01)
        with self._lock:
            return get()

    def close(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None


class Watcher:
    """A read-only login on the whole store: what the broker delivered, and each
    device's latest heartbeat counters."""

    def __init__(self, address: BrokerAddress, store: str) -> None:
        self.store = store
        self.conn = Connection(address, f"attack-watcher-{time.monotonic_ns()}")
        if not self.conn.open():
            raise ConnectionError(f"the watcher cannot log in: {self.conn.refused}")
        self.conn.subscribe(f"instore/v1/{store}/#")

    def since(self, moment: float) -> list[Received]:
        with self.conn._lock:
            return [m for m in self.conn.received if m.at >= moment]

    def delivered(self, topic: str, marker: bytes, moment: float) -> bool:
        return any(m.topic == topic and marker in m.payload for m in self.since(moment))

    def counters(self, device: str, moment: float = 0.0) -> dict[str, int] | None:
        """The counters of ``device``'s latest heartbeat received after ``moment``."""
        topic = f"instore/v1/{self.store}/{device}/hb"
        for m in reversed(self.since(moment)):
            if m.topic == topic:
                try:
                    counters = orjson.loads(m.payload).get("counters", {})
                except orjson.JSONDecodeError:
                    continue
                return {k: int(v) for k, v in counters.items() if isinstance(v, int)}
        return None

    def wait_counters(self, device: str, moment: float, timeout: float = 10.0) -> dict[str, int]:
        ends = time.monotonic() + timeout
        while time.monotonic() < ends:
            found = self.counters(device, moment)
            if found is not None:
                return found
            time.sleep(0.1)
        raise TimeoutError(f"no heartbeat from {device} in {timeout:.0f} s")

    def close(self) -> None:
        self.conn.close()
