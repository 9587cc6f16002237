"""The uplink: reads the outbox, publishes signed batches over MQTT 5 (paho), and
deletes rows when the hub acknowledges them.

Paho's own queue is in memory and unbounded, so the uplink keeps a bounded window of
unacknowledged batches and resends from the last acknowledged seq on timeout and on
reconnect. The broker's PUBACK is not a durability promise; only the hub's ack is.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge.backoff import Backoff
from edge.outbox import Outbox
from protocol.enrolment import DeviceIdentity
from protocol.envelope import (
    COMMAND_TTL_S,
    ROSTER_TTL_S,
    Refusal,
    RefusedError,
    Verifier,
    check_fresh,
)
from protocol.errors import TopicError, WireFormatError
from protocol.models import (
    Ack,
    Command,
    CommandAck,
    Heartbeat,
    Roster,
    Sightings,
    State,
    encode_batch,
)
from protocol.mqtt_properties import (
    connect_properties,
    new_client,
    signatures_of,
    signed_publish,
)
from protocol.signing import private_key_from_text, sign
from protocol.timefmt import from_unix
from protocol.topics import Topic, TopicKind, subscription

log = logging.getLogger(__name__)

HEARTBEAT_S: Final = 15.0  # the hub calls a device offline after 2.5 missed beats
ANSWERS_KEPT: Final = 256  # commands remembered, so a resend is answered, not rerun
SESSION_EXPIRY_S: Final = 7 * 24 * 3600  # commands (purges) wait at the broker a week
ROSTER_VERSION: Final = "roster.version"  # the newest roster taken, kept across restarts
IDLE_WAIT_S: Final = 0.05  # the sender's longest sleep: appends and acks wake it sooner


@dataclass(frozen=True, slots=True)
class UplinkSettings:
    max_events: int = 500  # per batch: ~100 KB of typical events, one signature each
    max_bytes: int = 64 * 1024  # per batch target; a single larger event still goes alone
    linger_s: float = 0.005  # wait this long for a batch to fill when traffic is light
    window: int = 32  # unacknowledged batches in flight; the broker's queue is sized from it
    ack_timeout_s: float = 5.0  # resend from the last acked seq if the hub is this late
    keepalive_s: int = 30
    heartbeat_s: float = HEARTBEAT_S


@dataclass(slots=True)
class _InFlight:
    first: int
    last: int
    sent_at: float


_DEVICE_TOPICS: Final = (
    TopicKind.EVT,
    TopicKind.ACK,
    TopicKind.STATE,
    TopicKind.HB,
    TopicKind.CMD,
    TopicKind.CMDACK,
)
CommandHandler = Callable[[Command], CommandAck]
RosterHandler = Callable[[Roster], None]
SightingsHandler = Callable[[str, Sightings], None]  # (gateway, what it kept)
StatusSource = Callable[[], dict[str, int]]


class Uplink:
    """One device's connection to the store broker."""

    def __init__(
        self,
        identity: DeviceIdentity,
        outbox: Outbox,
        *,
        version: str,
        settings: UplinkSettings | None = None,
        on_command: CommandHandler | None = None,
        counters: StatusSource | None = None,
        config_version: str | None = None,
        on_roster: RosterHandler | None = None,
        on_sightings: SightingsHandler | None = None,
    ) -> None:
        self.identity = identity
        self.outbox = outbox
        self.version = version
        self.config_version = config_version
        self.settings = settings or UplinkSettings()
        self._on_command = on_command
        self._on_roster = on_roster
        self._roster_topic = str(Topic(identity.store, TopicKind.ROSTER))
        self._on_sightings = on_sightings
        self._counters = counters or dict
        self._key = private_key_from_text(identity.signing_key)
        self._topic = {
            kind: str(Topic.device_topic(identity.store, identity.device, kind))
            for kind in _DEVICE_TOPICS
        }
        self._control: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._inflight: list[_InFlight] = []
        self._acked_through = 0
        self._last_sent = 0
        self._started = time.monotonic()
        self._last_hb = 0.0
        self._linger_until: float | None = None  # when a batch that is not full goes anyway
        self.batches_sent = 0
        self.resends = 0
        self.last_error: str | None = None
        self._answered: dict[uuid.UUID, CommandAck] = {}
        self._trust = Verifier(identity.hub_signing_keys)
        self.refusals: dict[str, int] = {}  # hub messages refused, by reason
        self._refusals_lock = threading.Lock()
        self._roster_version = int(outbox.noted(ROSTER_VERSION) or 0)
        self._client = self._make_client()
        self._threads: list[threading.Thread] = []
        outbox.on_append(self._wake.set)

    # -- paho wiring -------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        ident = self.identity
        client = new_client(ident.device, ident.broker, self.settings.window * 2)
        will = State(online=False, version=self.version, stream=self.outbox.stream)
        client.will_set(self._topic[TopicKind.STATE], will.to_bytes(), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            self.last_error = f"broker refused connection: {reason}"
            log.warning("%s", self.last_error)
            return
        # Subscribe before the birth: the hub answers a birth with pending commands.
        topics = [(self._topic[TopicKind.ACK], 1), (self._topic[TopicKind.CMD], 1)]
        if self._on_roster is not None:
            topics.append((self._roster_topic, 1))
        if self._on_sightings is not None:
            topics.append((subscription(self.identity.store, TopicKind.SEEN), 0))
        client.subscribe(topics)
        birth = State(
            online=True,
            version=self.version,
            config_version=self.config_version,
            stream=self.outbox.stream,
        )
        client.publish(self._topic[TopicKind.STATE], birth.to_bytes(), qos=1, retain=True)
        self._connected.set()
        self._control.put(("resend", None))
        self._wake.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            if msg.topic == self._topic[TopicKind.ACK]:
                self._from_hub(msg)
                self._control.put(("ack", Ack.from_bytes(msg.payload)))
            elif msg.topic == self._topic[TopicKind.CMD]:
                self._from_hub(msg)
                self._control.put(("cmd", self._addressed(Command.from_bytes(msg.payload))))
            elif msg.topic == self._roster_topic and self._on_roster is not None:
                self._from_hub(msg)
                # Straight away, in paho's thread: tokens off the roster are forgotten now.
                self._take_roster(Roster.from_bytes(msg.payload))
            elif msg.topic.endswith("/seen") and self._on_sightings is not None:
                gateway = Topic.parse(msg.topic).device
                if gateway is not None and gateway != self.identity.device:
                    self._on_sightings(gateway, Sightings.from_bytes(msg.payload))
        except RefusedError as exc:
            self._refused(exc, msg.topic)
        except (WireFormatError, TopicError) as exc:
            self.last_error = f"bad message on {msg.topic}: {exc}"

    # -- what the hub says, signed (protocol/envelope.py) -------------------------------

    def _from_hub(self, msg: mqtt.MQTTMessage) -> None:
        """Refuse (raise) a message the hub did not sign with a key this device trusts."""
        self._trust.check(bytes(msg.payload), signatures_of(msg.properties))

    def _addressed(self, command: Command) -> Command:
        """Refuse (raise) a command the hub signed for another device."""
        if command.to != self.identity.device:
            raise RefusedError(Refusal.MISADDRESSED, f"for {command.to or 'nobody'}")
        return command

    def _refused(self, exc: RefusedError, topic: str) -> None:
        with self._refusals_lock:
            self.refusals[exc.reason] = self.refusals.get(exc.reason, 0) + 1
        self.last_error = f"refused a message on {topic}: {exc}"
        if not self._trust.has_keys:
            self.last_error += "; this device trusts no hub key: run instore-hub device refresh"
        log.warning("%s", self.last_error)

    @property
    def roster_version(self) -> int:
        """The newest roster version this device has taken (kept across restarts)."""
        return self._roster_version

    def _take_roster(self, roster: Roster) -> None:
        check_fresh(roster.issued, roster.expires, time.time(), ROSTER_TTL_S)
        if roster.version < self._roster_version:
            raise RefusedError(Refusal.STALE, f"version {roster.version} < {self._roster_version}")
        if roster.version == self._roster_version:
            return  # the same roster again (retained, redelivered on reconnect)
        self._roster_version = roster.version
        self.outbox.note(ROSTER_VERSION, str(roster.version))
        if self._on_roster is not None:
            self._on_roster(roster)
            log.warning("%s", self.last_error)
            return
        self._wake.set()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        for target, name in ((self._network_loop, "net"), (self._sender_loop, "send")):
            thread = threading.Thread(target=target, name=f"uplink-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        with contextlib.suppress(OSError, ValueError):  # already gone
            self._client.disconnect()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    @property
    def unacknowledged(self) -> int:
        return len(self._inflight)

    def publish_sightings(self, sightings: Sightings) -> None:
        """Share this gateway's kept sightings (QoS 0: a lost tick is just a lost tick)."""
        if self._connected.is_set():
            topic = str(
                Topic.device_topic(self.identity.store, self.identity.device, TopicKind.SEEN)
            )
            self._client.publish(topic, sightings.to_bytes(), qos=0)

    def _network_loop(self) -> None:
        backoff = Backoff()
        broker = self.identity.broker
        first = True
        while not self._stop.is_set():
            try:
                if first:
                    props = connect_properties(SESSION_EXPIRY_S)
                    self._client.connect(
                        broker.host,
                        broker.port,
                        keepalive=self.settings.keepalive_s,
                        clean_start=False,
                        properties=props,
                    )
                    first = False
                else:
                    self._client.reconnect()
            except (OSError, ssl.SSLError) as exc:
                self.last_error = f"cannot reach broker {broker.url()}: {exc}"
                self._stop.wait(backoff.next())
                continue
            backoff.reset()
            while not self._stop.is_set():
                rc = self._client.loop(timeout=0.05)
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    self._connected.clear()
                    self._stop.wait(backoff.next())
                    break

    def _sender_loop(self) -> None:
        while not self._stop.is_set():
            self._drain_control()
            now = time.monotonic()
            if self._inflight and now - self._inflight[0].sent_at > self.settings.ack_timeout_s:
                self._rewind()
            if now - self._last_hb >= self.settings.heartbeat_s and self._connected.is_set():
                self._heartbeat(now)
            room = len(self._inflight) < self.settings.window
            if self._connected.is_set() and room and self._send_one(now):
                continue
            wait = IDLE_WAIT_S if self._linger_until is None else self._linger_until - now
            self._wake.wait(max(0.0, min(wait, IDLE_WAIT_S)))
            self._wake.clear()

    def _send_one(self, now: float) -> bool:
        """Publish the next batch; False if there is none to send yet. A batch that holds
        everything waiting (light traffic) is given ``linger_s`` to fill; acks and
        commands are still handled meanwhile. A batch cut by a limit goes at once."""
        s = self.settings
        run = self.outbox.read(self._last_sent, s.max_events, s.max_bytes)
        if not run.events:
            self._linger_until = None
            return False
        if run.last == self.outbox.next_seq - 1:
            if self._linger_until is None:
                self._linger_until = now + s.linger_s
            if now < self._linger_until:
                return False
        self._linger_until = None
        payload = encode_batch(
            self.identity.store, self.identity.device, self.outbox.stream, run.events
        )
        props = signed_publish(sign(self._key, payload))
        info = self._client.publish(self._topic[TopicKind.EVT], payload, qos=1, properties=props)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self._connected.clear()
            return False
        self._inflight.append(_InFlight(run.first, run.last, time.monotonic()))
        self._last_sent = run.last
        self.batches_sent += 1
        return True

    def _rewind(self) -> None:
        """Forget what is in flight and send again from the last acknowledged seq."""
        if self._inflight:
            self.resends += 1
        self._inflight.clear()
        self._last_sent = self._acked_through

    def _drain_control(self) -> None:
        while True:
            try:
                kind, value = self._control.get_nowait()
            except queue.Empty:
                return
            if kind == "ack":
                self._apply_ack(value)
            elif kind == "resend":
                self._rewind()
            elif kind == "cmd":
                self._run_command(value)

    def _apply_ack(self, ack: Ack) -> None:
        if ack.stream != self.outbox.stream or ack.through_seq <= self._acked_through:
            return
        self.outbox.acknowledge(ack.through_seq)
        self._acked_through = ack.through_seq
        self._last_sent = max(self._last_sent, ack.through_seq)
        self._inflight = [b for b in self._inflight if b.last > ack.through_seq]

    def _run_command(self, command: Command) -> None:
        """Run a command once; a command delivered again is answered again, not rerun.
        A command past its expiry (or from the future) is refused, not answered."""
        answer = self._answered.get(command.id)
        if answer is None:
            try:
                check_fresh(command.issued, command.expires, time.time(), COMMAND_TTL_S)
            except RefusedError as exc:
                self._refused(exc, self._topic[TopicKind.CMD])
                return
            if self._on_command is None:
                answer = CommandAck(id=command.id, status="failed", detail="no command handler")
            else:
                answer = self._on_command(command)
            self._answered[command.id] = answer
            while len(self._answered) > ANSWERS_KEPT:
                self._answered.pop(next(iter(self._answered)))
        self._client.publish(self._topic[TopicKind.CMDACK], answer.to_bytes(), qos=1)

    def _heartbeat(self, now: float) -> None:
        self._last_hb = now
        hb = Heartbeat(
            ts=from_unix(time.time()),
            uptime_s=now - self._started,
            outbox_depth=self.outbox.depth,
            outbox_bytes=self.outbox.size_bytes,
            version=self.version,
            config_version=self.config_version,
            counters={"refused": self.outbox.refused, "resends": self.resends}
            | {f"hub_refused_{reason}": n for reason, n in sorted(self.refusals.items())}
            | self._counters(),
            last_error=self.last_error,
        )
        self._client.publish(self._topic[TopicKind.HB], hb.to_bytes(), qos=0)
