"""Beacon health from Eddystone TLM: battery, temperature, advert count, uptime, silence.

Pure: sightings and ``now`` in, reports out. A report is the data of a
``beacon.health`` event (anonymous: a store beacon is store hardware, not a person)
for the hub's device registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from edge.presence.roster import BEACON, Sighting

LOW_BATTERY_MV: Final = 2500  # a CR2032 below 2.5 V has days left, not weeks


@dataclass(frozen=True, slots=True)
class BeaconHealth:
    """What the hub's device registry learns about one store beacon."""

    beacon: str
    last_seen: float | None
    rssi: int | None
    battery_mv: int | None
    temperature_c: float | None
    adv_count: int | None
    uptime_s: float | None
    silent: bool
    low_battery: bool

    def to_data(self) -> dict[str, Any]:
        """The ``data`` of a ``beacon.health`` event."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class _State:
    last_seen: float | None = None
    rssi: int | None = None
    battery_mv: int | None = None
    temperature_c: float | None = None
    adv_count: int | None = None
    uptime_s: float | None = None
    reported_silent: bool = False


class BeaconHealthMonitor:
    """Keeps the latest TLM of each configured beacon; reports the silent ones."""

    def __init__(self, beacons: Iterable[str], silent_after_s: float) -> None:
        self._state = {b: _State() for b in beacons}
        self.silent_after_s = silent_after_s
        self._started: float | None = None

    def on_sighting(self, sighting: Sighting) -> None:
        """A kept advertisement of a store beacon (others are ignored)."""
        if sighting.kind != BEACON:
            return
        state = self._state.get(sighting.id)
        if state is None:
            return
        state.last_seen = sighting.t
        state.rssi = sighting.rssi
        state.reported_silent = False
        tlm = sighting.tlm
        if tlm is not None:
            state.battery_mv = tlm.battery_mv
            state.temperature_c = tlm.temperature_c
            state.adv_count = tlm.adv_count
            state.uptime_s = tlm.uptime_s

    def report(self, now: float) -> list[BeaconHealth]:
        """Health of every configured beacon at ``now`` (for the periodic heartbeat)."""
        if self._started is None:
            self._started = now
        return [self._health(b, s, now) for b, s in self._state.items()]

    def newly_silent(self, now: float) -> list[BeaconHealth]:
        """Beacons that went silent since the last call: each reported once until heard."""
        if self._started is None:
            self._started = now
        out = []
        for beacon, state in self._state.items():
            health = self._health(beacon, state, now)
            if health.silent and not state.reported_silent:
                state.reported_silent = True
                out.append(health)
        return out

    def _health(self, beacon: str, s: _State, now: float) -> BeaconHealth:
        since = s.last_seen if s.last_seen is not None else self._started
        silent = since is not None and now - since >= self.silent_after_s
        return BeaconHealth(
            beacon=beacon,
            last_seen=s.last_seen,
            rssi=s.rssi,
            battery_mv=s.battery_mv,
            temperature_c=s.temperature_c,
            adv_count=s.adv_count,
            uptime_s=s.uptime_s,
            silent=silent,
            low_battery=s.battery_mv is not None and s.battery_mv < LOW_BATTERY_MV,
        )
