"""What a gateway's edge agent runs: the scan callback, the zone engine, beacon health.

    presence = GatewayPresence(settings, "gw-1", clock.now)
    await scanner.run(presence.on_detection, stop)  # bleak or the simulated world
    presence.update_roster(roster)                  # on every ``roster`` message
    for event in presence.drain():                  # zone enter/exit/dwell to the outbox
        ...
    presence.beacon_reports()                       # with the heartbeat

The callback keeps nothing of a stranger: the roster filter drops it and counts it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from edge.presence.config import PresenceSettings
from edge.presence.engine import PresenceEngine, ZoneEvent
from edge.presence.health import BeaconHealth, BeaconHealthMonitor
from edge.presence.roster import TOKEN, RosterFilter, Sighting
from edge.presence.trace import TraceWriter
from protocol.models import Roster

MAX_PENDING_EVENTS: Final = 10_000  # the agent drains every tick; this is a guard, not a queue


class GatewayPresence:
    """The presence feature of one gateway, fed by any ``BleScanner``.

    ``clock`` gives the time of each advertisement (unix seconds). Receptions from
    other gateways (shared on the store network) enter through :meth:`on_remote`.
    Thread-safe: the scan callback may run on the event loop while another thread
    drains events or updates the roster. A stranger's advertisement takes no lock.
    """

    def __init__(
        self,
        settings: PresenceSettings,
        gateway: str,
        clock: Callable[[], float],
        recorder: TraceWriter | None = None,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self._clock = clock
        self.roster = RosterFilter(bytes.fromhex(settings.chain_prefix), settings.beacons)
        self.engine = PresenceEngine(settings, self.roster)
        self.health = BeaconHealthMonitor(settings.beacons, settings.beacon_silent_after_s)
        self.recorder = recorder
        self._events: deque[ZoneEvent] = deque(maxlen=MAX_PENDING_EVENTS)
        # Token sightings heard here, for the other gateways (the agent takes them each tick).
        self._outgoing: deque[tuple[float, str, int]] = deque(maxlen=MAX_PENDING_EVENTS)
        self._lock = threading.Lock()

    def on_detection(self, device: Any, adv: Any) -> None:
        """The scan callback: ``(BLEDevice, AdvertisementData)`` as bleak gives them."""
        sighting = self.roster.admit(adv, adv.rssi, self._clock(), device.address)
        if sighting is not None:
            self._keep(self.gateway, sighting)
            if sighting.kind == TOKEN:
                self._outgoing.append((sighting.t, sighting.id, sighting.rssi))

    def take_outgoing(self) -> list[tuple[float, str, int]]:
        """Token sightings heard here since the last call, as ``(t, token, rssi)``."""
        out = []
        while self._outgoing:
            out.append(self._outgoing.popleft())
        return out

    def on_remote(self, gateway: str, sighting: Sighting) -> None:
        """A sighting another gateway kept (already filtered there)."""
        self._keep(gateway, sighting)

    def _keep(self, gateway: str, sighting: Sighting) -> None:
        with self._lock:
            if self.recorder is not None:
                self.recorder.write(sighting.t, gateway, sighting.id, sighting.rssi)
            if sighting.kind == TOKEN:
                self._events.extend(self.engine.on_sighting(gateway, sighting))
            else:
                self.health.on_sighting(sighting)

    def update_roster(self, roster: Roster) -> None:
        """A new roster: tokens no longer on it are dropped and forgotten at once."""
        with self._lock:
            self.roster.update(roster)
            keep = set(roster.tokens)
            for ident in [i for i in self.engine.tracked_ids() if i not in keep]:
                self.engine.forget(ident)

    def forget(self, token: str) -> None:
        """Drop everything held about ``token`` (a purge for its shopper)."""
        with self._lock:
            self.engine.forget(token)

    def drain(self) -> list[ZoneEvent]:
        """Zone events decided since the last call (ticks up to now are closed first)."""
        with self._lock:
            self._events.extend(self.engine.advance(self._clock()))
            out = list(self._events)
            self._events.clear()
        return out

    def beacon_reports(self) -> list[BeaconHealth]:
        """Health of every store beacon (for the heartbeat / device registry)."""
        with self._lock:
            return self.health.report(self._clock())

    def silent_beacons(self) -> list[BeaconHealth]:
        """Beacons that have just gone silent (each reported once until heard again)."""
        with self._lock:
            return self.health.newly_silent(self._clock())

    @property
    def counters(self) -> dict[str, int]:
        """For the heartbeat: how many adverts were kept and dropped."""
        return {"ble_kept": self.roster.kept, "ble_dropped": self.roster.dropped}
