"""The gateway device put together: a BLE scanner, the roster filter and the zone engine
(:class:`GatewayPresence`) feeding the :class:`EdgeAgent`. The bleak scanner and the
simulated one enter through the same door (``BleScanner``); ``instore-edge run`` and the
simulated gateways run this same code."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from edge.agent import EdgeAgent
from edge.ports import BleScanner
from edge.presence.config import PresenceSettings
from edge.presence.live import GatewayPresence
from edge.presence.roster import TOKEN, Sighting
from edge.sealer import Sealer
from edge.uplink import UplinkSettings
from protocol.enrolment import DeviceIdentity
from protocol.models import Roster, RosterEntry, Sightings
from protocol.purposes import Purpose

log = logging.getLogger(__name__)

PUMP_S: Final = 1.0  # zone decisions are taken on one-second ticks


class GatewayRuntime:
    """Zone events of shoppers on the roster, from any BLE scanner, into the outbox.

    Zoning compares receivers, so every gateway shares the token sightings it kept and
    feeds the others' into its own engine; only the ``leader`` turns decisions into
    events (one zone event per change, not one per gateway)."""

    def __init__(self, agent: EdgeAgent, presence: GatewayPresence, *, leader: bool) -> None:
        self.agent = agent
        self.presence = presence
        self.leader = leader
        self._sealer = Sealer(agent.identity.hub_seal_key)
        self._entries: dict[str, RosterEntry] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="presence", daemon=True)
        agent.on_purge(self._forget)

    def on_sightings(self, gateway: str, sightings: Sightings) -> None:
        """Another gateway's kept sightings (roster tokens only, already filtered there)."""
        for t, token, rssi in sightings.items:
            self.presence.on_remote(gateway, Sighting(token, rssi, t, TOKEN))

    def on_roster(self, roster: Roster) -> None:
        self.presence.update_roster(roster)
        self._entries = dict(roster.entries)

    def _forget(self, subjects: Sequence[str]) -> None:
        gone = set(subjects)
        for token, entry in list(self._entries.items()):
            if entry.subject in gone:
                del self._entries[token]
                self.presence.engine.forget(token)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def pump_once(self) -> int:
        """Share this tick's sightings; move decided zone events to the outbox (leader
        only); return how many events went."""
        heard = self.presence.take_outgoing()
        if heard:
            self.agent.uplink.publish_sightings(Sightings(items=heard))
        decided = self.presence.drain()
        if not self.leader:
            return 0
        drafts = []
        for event in decided:
            entry = self._entries.get(event.id)
            if entry is None:  # off the roster since: no consent, no event
                self.presence.engine.forget(event.id)
                continue
            data = {"zone": event.zone, "dwell_s": round(event.dwell_s, 1)}
            drafts.append(
                self._sealer.draft(
                    f"zone.{event.kind}",
                    event.t,
                    data,
                    subject=entry.subject,
                    purpose=Purpose.PRESENCE.value,
                    consent=entry.consent,
                )
            )
        if drafts:
            self.agent.submit(drafts)
        return len(drafts)

    def _pump(self) -> None:
        while not self._stop.wait(PUMP_S):
            try:
                self.pump_once()
            except Exception:  # a bad tick must not end presence for the day
                log.exception("presence tick failed")
                time.sleep(PUMP_S)


class Gateway:
    """One gateway: its agent, its presence, and the runtime between them.

    Zone events are sent by the ``leader`` only; every gateway shares what it kept."""

    def __init__(
        self,
        identity: DeviceIdentity,
        outbox: Path,
        settings: PresenceSettings,
        *,
        leader: bool,
        clock: Callable[[], float] = time.time,
        config_dir: Path | None = None,
        uplink: UplinkSettings | None = None,
    ) -> None:
        self.presence = GatewayPresence(settings, identity.device, clock)
        self.agent = EdgeAgent(
            identity,
            outbox,
            settings=uplink,
            config_dir=config_dir,
            on_roster=self._on_roster,
            on_sightings=self._on_sightings,
        )
        self.runtime = GatewayRuntime(self.agent, self.presence, leader=leader)

    # The agent calls these only once started, after the runtime exists.
    def _on_roster(self, roster: Roster) -> None:
        self.runtime.on_roster(roster)

    def _on_sightings(self, gateway: str, sightings: Sightings) -> None:
        self.runtime.on_sightings(gateway, sightings)

    async def run(self, scanner: BleScanner, stop: asyncio.Event) -> None:
        """Scan, zone and upload until ``stop`` is set (or the scanner ends)."""
        self.agent.start()
        self.runtime.start()
        try:
            await scanner.run(self.presence.on_detection, stop)
        finally:
            self.runtime.stop()
            self.agent.stop()
