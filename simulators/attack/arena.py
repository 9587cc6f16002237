"""What every probe gets: the target, the watcher, the stolen kiosk's identity, the
hub's signing keys (the judge's), and the judgements probes share."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

import httpx
from paho.mqtt.properties import Properties

from hub.settings import HubHome
from protocol.enrolment import BrokerAddress, DeviceIdentity
from protocol.envelope import Signer
from protocol.models import Command, PurgeSubjects
from protocol.mqtt_properties import hub_signed
from protocol.topics import Topic, TopicKind
from simulators.attack.mqtt import Connection, Watcher
from simulators.attack.target import Target
from simulators.attack.web import Browser

REFUSAL_WAIT_S: Final = 8.0  # heartbeats come every second in the simulated store


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one probe found: ``succeeded`` means the attack worked."""

    succeeded: bool
    what: str


def held(what: str) -> Outcome:
    return Outcome(False, what)


def broke(what: str) -> Outcome:
    return Outcome(True, what)


class Arena:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.watcher = Watcher(target.watcher, target.store)
        self.stolen = DeviceIdentity.read(target.stolen)
        self.hub_keys: Signer = HubHome(target.hub_data).signer()
        self.subject = "ps_" + "a" * 22  # the pseudonym forged purges name

    # -- the broker ----------------------------------------------------------------------

    def topic(self, device: str, kind: TopicKind) -> str:
        return str(Topic.device_topic(self.target.store, device, kind))

    def store_topic(self, kind: TopicKind) -> str:
        return str(Topic(self.target.store, kind))

    def as_stolen(self, **changes: object) -> BrokerAddress:
        """The stolen kiosk's broker login (its password and certificate), changed."""
        login = self.stolen.broker.model_copy(
            update={"host": self.target.broker.host, "port": self.target.broker.port}
        )
        return login.model_copy(update=changes)

    @contextmanager
    def connected(
        self, login: BrokerAddress, client_id: str | None = None, clean_start: bool = True
    ) -> Iterator[Connection]:
        conn = Connection(login, client_id or f"probe-{uuid.uuid4().hex[:8]}", clean_start)
        if not conn.open():
            raise ConnectionRefusedError(conn.refused)
        try:
            yield conn
        finally:
            conn.close()

    # -- devices' own checks --------------------------------------------------------------

    def purge_for(self, device: str, now: float, **changes: object) -> Command:
        """A purge as the hub would send ``device``, then changed."""
        command = Command.issue(uuid.uuid4(), device, PurgeSubjects(subjects=[self.subject]), now)
        return command.model_copy(update=changes)

    def signed(self, payload: bytes) -> Properties:
        return hub_signed(self.hub_keys.signatures(payload))

    def refused_by(
        self, device: str, reason: str, send: Callable[[Connection], None], answer: str = ""
    ) -> Outcome:
        """Send something to ``device`` through the misconfigured login and judge: held
        if its next heartbeats count a refusal for ``reason`` and it never answered the
        command id ``answer``; the attack succeeded otherwise."""
        start = time.time()
        before = self.watcher.wait_counters(device, start).get(f"hub_refused_{reason}", 0)
        sent = time.time()
        with self.connected(self.target.misconfigured) as judge:
            send(judge)
        counter = f"hub_refused_{reason}"
        ends = time.monotonic() + REFUSAL_WAIT_S
        while time.monotonic() < ends:
            if answer and self._answered(device, answer, sent):
                return broke(f"{device} ran it")
            counters = self.watcher.counters(device, sent)
            if counters is not None and counters.get(counter, 0) > before:
                time.sleep(0.5)
                if answer and self._answered(device, answer, sent):
                    return broke(f"{device} ran it (and also counted a refusal)")
                return held(f"{device} refused it ({reason}) and said so")
            time.sleep(0.1)
        return broke(f"{device} did not report refusing it within {REFUSAL_WAIT_S:.0f} s")

    def _answered(self, device: str, command_id: str, moment: float) -> bool:
        return any(
            m.topic == self.topic(device, TopicKind.CMDACK) and command_id.encode() in m.payload
            for m in self.watcher.since(moment)
        )

    # -- the hub --------------------------------------------------------------------------

    def stored(self, event_ids: list[str]) -> int:
        """How many of ``event_ids`` the hub's database holds (the judge reads it)."""
        db = sqlite3.connect(f"file:{self.target.hub_data / 'hub.db'}?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(event_ids))
            row = db.execute(f"SELECT COUNT(*) FROM events WHERE id IN ({marks})", event_ids)  # noqa: S608
            return int(row.fetchone()[0])
        finally:
            db.close()

    def hub_alive(self) -> bool:
        try:
            with self.browser() as b:
                return b.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    @contextmanager
    def browser(self, source: str | None = None) -> Iterator[Browser]:
        b = Browser(self.target.hub_url, self.target.hub_ca, source)
        try:
            yield b
        finally:
            b.close()

    def close(self) -> None:
        self.watcher.close()
