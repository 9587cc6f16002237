"""BLE presence for opted-in shoppers: the scan-callback filter, the zone engine, beacon
health, and trace record/replay/calibrate. See docs/presence.md.

The edge agent needs :class:`GatewayPresence` (and a ``BleScanner``); the rest is for
tools and tests.
"""

from edge.presence.config import EngineSettings, PresenceSettings, load_settings
from edge.presence.engine import PresenceEngine, ZoneEvent
from edge.presence.health import BeaconHealth
from edge.presence.live import GatewayPresence
from edge.presence.roster import RosterFilter, Sighting

__all__ = [
    "BeaconHealth",
    "EngineSettings",
    "GatewayPresence",
    "PresenceEngine",
    "PresenceSettings",
    "RosterFilter",
    "Sighting",
    "ZoneEvent",
    "load_settings",
]
