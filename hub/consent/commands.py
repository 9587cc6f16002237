"""A connection of its own for the hub's purge commands, written by one thread.

A withdrawal sends one command to every device. Through the hub's shared MQTT client
each publish hands the packet to paho's network thread, which must win the GIL from
the ingest thread before it writes: twenty GIL hand-overs per withdrawal. Here a single
thread owns the connection (no paho loop thread), takes a whole burst from a queue and
writes it at once; between bursts it reads the broker's PUBACKs and keeps the session
alive. Acknowledgements from the devices still arrive through the hub's subscription.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties

from protocol.enrolment import BrokerAddress

log = logging.getLogger(__name__)

Outgoing = tuple[str, bytes, bool, Properties]  # topic, payload, retain, the hub's signatures

IDLE_S: Final = 0.5  # between bursts: read PUBACKs and keep the session alive
INFLIGHT: Final = 4096  # never hold a burst back for PUBACKs not yet read


class CommandChannel:
    """Publishes bursts of ``(topic, payload, retain, properties)`` at QoS 1, in order, on
    a dedicated connection."""

    def __init__(self, broker: BrokerAddress, client_id: str) -> None:
        self._broker = broker
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
        )
        self._client.max_inflight_messages_set(INFLIGHT)
        if broker.username:
            self._client.username_pw_set(broker.username, broker.password)
        if broker.tls_ca:
            self._client.tls_set(
                ca_certs=broker.tls_ca, certfile=broker.tls_cert, keyfile=broker.tls_key
            )
        self._bursts: queue.SimpleQueue[list[Outgoing] | None] = queue.SimpleQueue()
        self._up = threading.Event()
        self._client.on_connect = lambda *args: self._up.set()
        self._thread = threading.Thread(target=self._run, name="consent-commands", daemon=True)
        self.connected = False

    def start(self) -> bool:
        """Connect (once, synchronously) and start the writer; False if the broker refused."""
        try:
            self._client.connect(self._broker.host, self._broker.port, keepalive=30)
        except OSError as exc:
            log.warning("consent command channel cannot connect: %s", exc)
            return False
        for _ in range(50):  # up to 5 s for the CONNACK
            if self._up.is_set() or self._client.loop(timeout=0.1) != mqtt.MQTT_ERR_SUCCESS:
                break
        if not self._up.is_set():
            log.warning("consent command channel: the broker did not accept the connection")
            self._client.disconnect()
            return False
        self.connected = True
        self._thread.start()
        return True

    def send(self, burst: list[Outgoing]) -> None:
        self._bursts.put(burst)

    def _run(self) -> None:
        client = self._client
        while True:
            try:
                burst = self._bursts.get(timeout=IDLE_S)
            except queue.Empty:
                burst = []
            if burst is None:
                break
            for topic, payload, retain, signed in burst:
                # No loop thread: paho writes the packet right here, in this thread.
                client.publish(topic, payload, qos=1, retain=retain, properties=signed)
            if client.loop(timeout=0) != mqtt.MQTT_ERR_SUCCESS:
                try:
                    client.reconnect()
                except OSError as exc:
                    log.warning("consent command channel lost the broker: %s", exc)
        client.disconnect()

    def stop(self) -> None:
        if self.connected:
            self._bursts.put(None)
            self._thread.join(5)
