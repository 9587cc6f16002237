"""The hub's MQTT side: receive batches, heartbeats and births; commit; then ack.

Paho's network thread only enqueues. One ingest thread drains the queue in groups,
checks every batch, commits the group in one transaction, and only then publishes the
acks. A crash between commit and ack costs a resend, which is acknowledged again
without being stored twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from hub import registry
from hub.errors import HubError
from hub.ingest import BatchChecker, ConsentCheck, DataProtector, plain_data
from hub.settings import HubHome
from hub.storage import CheckedBatch, GroupResult, SqliteEventStore, connect
from protocol.enrolment import BrokerAddress
from protocol.errors import TopicError, WireFormatError
from protocol.models import (
    Ack,
    Command,
    CommandAck,
    ConfigPush,
    Heartbeat,
    ModelPush,
    PurgeSubjects,
    State,
)
from protocol.mqtt_properties import connect_properties, hub_signed, new_client, signature_of
from protocol.topics import Topic, TopicKind, subscription

log = logging.getLogger(__name__)

Received = tuple[str, bytes, str | None, float]  # topic, payload, signature, arrival time

COMMAND_RETRY_S: Final = 30.0  # unanswered commands go again this often
GROUP_MAX: Final = 64  # batches per commit: ~32k events, one fsync
SESSION_EXPIRY_S: Final = 7 * 24 * 3600  # batches wait at the broker while the hub restarts


@dataclass(slots=True)
class IngestStats:
    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    commits: int = 0
    started: float = field(default_factory=time.time)

    def add(self, result: GroupResult, batches: int) -> None:
        self.batches += batches
        self.stored += result.stored
        self.duplicates += result.duplicates
        self.commits += 1
        for reason, n in result.dead_letters.items():
            self.dead_letters[reason] = self.dead_letters.get(reason, 0) + n


def consent_from_db(store: SqliteEventStore) -> ConsentCheck:
    """The spine's consent check: the ``consents`` table, as the registry keeps it."""

    def check(subject: str, purpose: str, collected_at: float) -> bool:
        del collected_at  # the spine's table knows only what is granted now
        row = store.db.execute(
            "SELECT granted FROM consents WHERE subject = ? AND purpose = ?", (subject, purpose)
        ).fetchone()
        return bool(row and row[0])

    return check


class HubService:
    """Ingest for one store."""

    def __init__(
        self,
        home: HubHome,
        *,
        broker: BrokerAddress | None = None,
        consent: ConsentCheck | None = None,
        protect: DataProtector = plain_data,
        version: str = "0.1.0",
    ) -> None:
        settings = home.settings()
        self.home = home
        self.store_id = settings.store
        self.broker = broker or settings.broker
        self.version = version
        self.store = SqliteEventStore(home.db_path)
        self.checker = BatchChecker(self.store, consent or consent_from_db(self.store), protect)
        self.signer = home.signer()
        self.stats = IngestStats()
        self.command_acks: dict[uuid.UUID, CommandAck] = {}
        self.on_command_ack: list[Callable[[str, CommandAck], None]] = []
        self._queue: queue.SimpleQueue[Received] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._hub_state = str(Topic(self.store_id, TopicKind.HUB_STATE))
        self._client = self._make_client()
        self._worker: threading.Thread | None = None
        # Commands are written from web threads and the ingest thread: their own connection.
        self._commands_db = connect(home.db_path)
        self._commands_lock = threading.Lock()

    def _make_client(self) -> mqtt.Client:
        client = new_client(f"hub-{self.store_id}", self.broker, 256)
        client.will_set(self._hub_state, State(online=False).to_bytes(), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    # -- paho callbacks (network thread): enqueue only ------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the hub: %s", reason)
            return
        client.publish(
            self._hub_state, State(online=True, version=self.version).to_bytes(), 1, True
        )
        kinds = (TopicKind.EVT, TopicKind.HB, TopicKind.STATE, TopicKind.CMDACK)
        client.subscribe([(subscription(self.store_id, k), 1) for k in kinds])
        self._connected.set()

    def _on_disconnect(self, *args: Any) -> None:
        self._connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        sig = signature_of(getattr(msg, "properties", None))
        self._queue.put((msg.topic, bytes(msg.payload), sig, time.time()))

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        props = connect_properties(SESSION_EXPIRY_S)
        try:
            self._client.connect(
                self.broker.host,
                self.broker.port,
                keepalive=30,
                clean_start=False,
                properties=props,
            )
        except OSError as exc:
            raise HubError(f"cannot reach broker {self.broker.url()}: {exc}") from exc
        self._client.loop_start()
        self.store.checkpoint_apart()
        self._worker = threading.Thread(target=self._ingest_loop, name="ingest", daemon=True)
        self._worker.start()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.join(10)
        info = self._client.publish(self._hub_state, State(online=False).to_bytes(), 1, True)
        info.wait_for_publish(2)
        self._client.disconnect()
        self._client.loop_stop()
        self.store.close()
        self._commands_db.close()

    # -- ingest (one thread) -----------------------------------------------------------

    def _ingest_loop(self) -> None:
        next_retry = time.monotonic() + COMMAND_RETRY_S
        while not self._stop.is_set():
            if time.monotonic() >= next_retry:
                self.resend_pending_commands(older_than_s=COMMAND_RETRY_S)
                next_retry = time.monotonic() + COMMAND_RETRY_S
            try:
                first = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            group = [first]
            while len(group) < GROUP_MAX:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._process(group)
            except HubError:
                log.exception("ingest group failed; the edges will resend")

    def _process(self, group: list[Received]) -> None:
        checked: list[CheckedBatch] = []
        for topic, payload, sig, received in group:
            kind = topic.rsplit("/", 1)[-1]
            if kind == TopicKind.EVT:
                checked.append(self.checker.check(topic, payload, sig))
            else:
                # A heartbeat's clock offset is taken at its arrival, not when a busy
                # ingest thread gets to it (a stalled hub must not blame the devices).
                self._device_message(topic, kind, payload, received)
        if not checked:
            return
        result = self.store.commit_group(checked)
        self.stats.add(result, len(checked))
        for (device, stream), through in result.acks.items():
            ack = Ack(stream=stream, through_seq=through).to_bytes()
            topic = str(Topic.device_topic(self.store_id, device, TopicKind.ACK))
            self._client.publish(topic, ack, qos=1, properties=self.signed(ack))

    def _device_message(self, topic: str, kind: str, payload: bytes, now: float) -> None:
        try:
            device = Topic.parse(topic).device
            if device is None or self.store.device_key(device) is None:
                return
            db = self.store.db
            if kind == TopicKind.HB:
                registry.record_heartbeat(db, device, Heartbeat.from_bytes(payload), now)
            elif kind == TopicKind.STATE and payload:
                state = State.from_bytes(payload)
                registry.record_state(db, device, state, now)
                if state.online:
                    self.resend_pending_commands(device)
            elif kind == TopicKind.CMDACK:
                answer = CommandAck.from_bytes(payload)
                with self._commands_lock:
                    self._commands_db.execute(
                        "UPDATE commands SET answered = ?, status = ?, detail = ? WHERE id = ?",
                        (now, answer.status, answer.detail, str(answer.id)),
                    )
                self.command_acks[answer.id] = answer
                for listener in self.on_command_ack:
                    listener(device, answer)
        except (TopicError, WireFormatError) as exc:
            log.warning("ignored a bad %s message on %s: %s", kind, topic, exc)

    # -- commands ------------------------------------------------------------------------

    def send_command(self, device: str, body: ConfigPush | PurgeSubjects | ModelPush) -> uuid.UUID:
        """Publish a command to one device and keep it until the device answers: it is
        sent again when the device comes online and every ``COMMAND_RETRY_S``."""
        command = Command.issue(uuid.uuid4(), device, body, time.time())
        payload = command.to_bytes()
        with self._commands_lock:
            self._commands_db.execute(
                "INSERT INTO commands(id, device, body, created, sent) VALUES (?, ?, ?, ?, ?)",
                (str(command.id), device, payload, time.time(), time.time()),
            )
        self._publish_command(device, payload)
        return command.id

    def signed(self, payload: bytes) -> Properties:
        """The PUBLISH properties that carry the hub's signatures of ``payload``."""
        return hub_signed(self.signer.signatures(payload))

    def _publish_command(self, device: str, payload: bytes) -> None:
        topic = str(Topic.device_topic(self.store_id, device, TopicKind.CMD))
        self._client.publish(topic, payload, qos=1, properties=self.signed(payload))

    def resend_pending_commands(self, device: str | None = None, older_than_s: float = 0) -> int:
        """Publish again every unanswered command (of ``device``) sent before now - age."""
        cutoff = time.time() - older_than_s
        with self._commands_lock:
            rows = self._commands_db.execute(
                "SELECT id, device, body FROM commands WHERE answered IS NULL AND sent <= ? "
                "AND (? IS NULL OR device = ?)",
                (cutoff, device, device),
            ).fetchall()
            self._commands_db.executemany(
                "UPDATE commands SET sent = ? WHERE id = ?", [(time.time(), r[0]) for r in rows]
            )
        now = time.time()
        for _, dev, body in rows:
            # Signed afresh, with a new expiry and the same id (decision 0004).
            sent = Command.from_bytes(body)
            self._publish_command(dev, Command.issue(sent.id, dev, sent.body, now).to_bytes())
        return len(rows)

    def publish_retained(self, topic: Topic, payload: bytes) -> None:
        self._client.publish(
            str(topic), payload, qos=1, retain=True, properties=self.signed(payload)
        )
