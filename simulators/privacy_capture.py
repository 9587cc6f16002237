"""The privacy audit's eyes on the broker: a subscriber on ``#`` in its own process.

Every message is stamped (wall clock and the system-wide monotonic clock) in a process
that does nothing else, so the time a purge's ``cmdack`` crossed the broker is not
delayed by the simulated edges' work in the audit's process. :class:`PurgeWatch`
matches each purge command (``{device}/cmd``, seen on its way to the edge) with its
``cmdack`` and tells how long every edge took for one shopper.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocol.errors import WireFormatError
from protocol.models import Command, CommandAck, PurgeSubjects
from simulators.errors import SimError

Message = tuple[float, float, str, bytes]  # (wall time, monotonic time, topic, payload)
READY: Final = "ready"


def _capture_main(port: int, login: tuple[str, str], out: Any, stop: Any) -> None:
    """The child process: subscribe to everything, pass every message on, stamped. The
    login is a reader's (the ACL lets it read the whole store and publish nothing)."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id="privacy-audit-capture",
        protocol=mqtt.MQTTv5,
    )

    def on_message(c: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        out.put((time.time(), time.monotonic(), msg.topic, bytes(msg.payload)))

    def on_subscribe(*args: Any) -> None:
        out.put(READY)

    client.on_message = on_message
    client.on_subscribe = on_subscribe
    client.username_pw_set(*login)
    client.connect("127.0.0.1", port)
    client.subscribe("#", qos=1)
    client.loop_start()
    stop.wait()
    client.loop_stop()
    client.disconnect()
    out.put(None)


@dataclass
class _Job:
    subject: str
    sent: float  # monotonic time the command was seen on its way
    acked: float | None = None


@dataclass
class PurgeWatch:
    """Purge commands and their acknowledgements, per shopper."""

    jobs: dict[str, _Job] = field(default_factory=dict)  # command id -> job
    cond: threading.Condition = field(default_factory=threading.Condition)

    def seen(self, mono: float, topic: str, payload: bytes) -> None:
        try:
            if topic.endswith("/cmd"):
                command = Command.from_bytes(payload)
                if isinstance(command.body, PurgeSubjects):
                    with self.cond:
                        for subject in command.body.subjects:
                            self.jobs[str(command.id)] = _Job(subject, mono)
            elif topic.endswith("/cmdack"):
                ack = CommandAck.from_bytes(payload)
                with self.cond:
                    job = self.jobs.get(str(ack.id))
                    if job is not None and job.acked is None:
                        job.acked = mono
                        self.cond.notify_all()
        except WireFormatError:
            return

    def wait(self, subject: str, since: float, devices: int, timeout: float) -> float | None:
        """The monotonic time the last of ``devices`` purges of ``subject`` sent after
        ``since`` was acknowledged, or None on timeout."""

        def done() -> float | None:
            acks = [
                j.acked
                for j in self.jobs.values()
                if j.subject == subject and j.sent >= since and j.acked is not None
            ]
            return max(acks) if len(acks) >= devices else None

        with self.cond:
            self.cond.wait_for(lambda: done() is not None, timeout)
            return done()


class Capture:
    """Starts the subscriber process and feeds its messages to ``on_message``."""

    def __init__(
        self, port: int, login: tuple[str, str], on_message: Callable[[Message], None]
    ) -> None:
        ctx = mp.get_context("spawn")  # the audit's process has threads: never fork it
        self._queue: Any = ctx.Queue()
        self._stop = ctx.Event()
        self._proc = ctx.Process(
            target=_capture_main, args=(port, login, self._queue, self._stop), daemon=True
        )
        self._on_message = on_message
        self._reader = threading.Thread(target=self._read, name="capture", daemon=True)
        self._ready = threading.Event()

    def start(self, timeout: float = 30.0) -> None:
        self._proc.start()
        self._reader.start()
        if not self._ready.wait(timeout):
            raise SimError("the audit's MQTT subscriber did not start")

    def _read(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if item == READY:
                self._ready.set()
                continue
            self._on_message(item)

    def stop(self) -> None:
        """Stop after every message already captured has been handed on."""
        self._stop.set()
        if self._reader.is_alive():
            self._reader.join(10)
        if self._proc.is_alive():
            self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
        with contextlib.suppress(queue.Empty, OSError, ValueError):
            self._queue.close()
