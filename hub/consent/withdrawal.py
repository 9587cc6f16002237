"""Carrying a withdrawal or an erasure to the edges: the roster and a purge to each device.

When a shopper switches a purpose off, the registry has already made ingest refuse it.
The :class:`Propagator` then republishes the roster (if presence went off) and sends
``PurgeSubjects`` to every enrolled device, which tombstones the shopper's buffered
events and drops their state, and answers with a ``cmdack``. :meth:`Propagator.wait`
lets a caller (the privacy audit, a test) wait until every edge has answered.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from paho.mqtt.properties import Properties

from hub.consent.commands import CommandChannel, Outgoing
from hub.consent.registry import Change, ConsentRegistry
from hub.consent.settings import ConsentError
from protocol.enrolment import BrokerAddress
from protocol.models import Command, CommandAck, PurgeSubjects
from protocol.purposes import Purpose
from protocol.topics import Topic, TopicKind

ROSTER_REFRESH_S: Final = 60.0  # well inside a 15-minute token window


class CommandSender(Protocol):
    """What the propagator needs of ``HubService``."""

    store_id: str
    on_command_ack: list[Callable[[str, CommandAck], None]]
    broker: BrokerAddress

    def send_command(self, device: str, body: PurgeSubjects) -> uuid.UUID: ...

    def publish_retained(self, topic: Topic, payload: bytes) -> None: ...

    def signed(self, payload: bytes) -> Properties: ...


@dataclass(slots=True)
class Purge:
    """One withdrawal's purge: which commands went out and which came back."""

    subject: str
    started: float  # time.monotonic()
    pending: set[uuid.UUID] = field(default_factory=set)
    done: threading.Event = field(default_factory=threading.Event)
    finished: float | None = None


class Propagator:
    """Registry listener: roster + purges on every change that takes something away."""

    def __init__(
        self,
        service: CommandSender,
        registry: ConsentRegistry,
        devices: Callable[[], Sequence[str]],
        clock: Callable[[], float] = time.time,
        channel: CommandChannel | None = None,
    ) -> None:
        self.service = service
        self.channel = channel
        self.registry = registry
        self.devices = devices
        self.clock = clock
        self._lock = threading.Lock()
        self._by_command: dict[uuid.UUID, Purge] = {}
        self.last: dict[str, Purge] = {}  # subject -> its latest purge
        service.on_command_ack.append(self._acked)
        registry.listeners.append(self._changed)

    def _changed(self, change: Change) -> None:
        roster = change.purpose is Purpose.PRESENCE
        self._propagate(change.subject, [change.purpose], roster, purge=not change.granted)

    def erased(self, subject: str) -> None:
        """Erasure listener: roster without them, purge of every purpose."""
        self._propagate(subject, None, roster=True, purge=True)

    def publish_roster(self) -> None:
        self._propagate(None, None, roster=True, purge=False)

    def purge(self, subject: str, purposes: list[Purpose] | None) -> Purge:
        """Send a purge of ``subject`` to every enrolled device."""
        job = self._propagate(subject, purposes, roster=False, purge=True)
        if job is None:  # pragma: no cover - purge=True with a subject always makes one
            raise ConsentError("no purge was made")
        return job

    def _propagate(
        self, subject: str | None, purposes: list[Purpose] | None, roster: bool, purge: bool
    ) -> Purge | None:
        """The roster first, then one purge command per device: one burst on the command
        channel, or one publish at a time on the hub's client if there is no channel."""
        store = self.service.store_id
        burst: list[Outgoing] = []
        channel = self.channel if self.channel is not None and self.channel.connected else None
        if roster:
            topic = Topic(store, TopicKind.ROSTER)
            payload = self.registry.roster(self.clock()).to_bytes()
            if channel is not None:
                burst.append((str(topic), payload, True, self.service.signed(payload)))
            else:
                self.service.publish_retained(topic, payload)
        job = None
        if purge and subject is not None:
            body = PurgeSubjects(subjects=[subject], purposes=purposes)
            job = Purge(subject, time.monotonic())
            with self._lock:
                self.last[subject] = job
                for device in self.devices():
                    if channel is not None:
                        command = Command.issue(uuid.uuid4(), device, body, self.clock())
                        topic_text = str(Topic.device_topic(store, device, TopicKind.CMD))
                        payload = command.to_bytes()
                        burst.append((topic_text, payload, False, self.service.signed(payload)))
                        command_id = command.id
                    else:
                        command_id = self.service.send_command(device, body)
                    job.pending.add(command_id)
                    self._by_command[command_id] = job
                if not job.pending:
                    job.finished = time.monotonic()
                    job.done.set()
        if channel is not None and burst:
            channel.send(burst)
        return job

    def _acked(self, device: str, ack: CommandAck) -> None:
        with self._lock:
            job = self._by_command.pop(ack.id, None)
            if job is None:
                return
            job.pending.discard(ack.id)
            if not job.pending:
                job.finished = time.monotonic()
                job.done.set()

    def wait(self, subject: str, timeout: float) -> Purge | None:
        """The subject's latest purge once every device has answered, else None."""
        with self._lock:
            job = self.last.get(subject)
        if job is None or not job.done.wait(timeout):
            return None
        return job


class RosterTicker:
    """Republishes the roster as token windows roll over (a daemon thread)."""

    def __init__(self, propagator: Propagator, every_s: float = ROSTER_REFRESH_S) -> None:
        self._propagator = propagator
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="roster", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._propagator.publish_roster()

    def stop(self) -> None:
        self._stop.set()
