"""Purposes a shopper can switch, and the data map of every event type.

Anonymous features (product info, maps, related items) need no purpose at all.
Data categories and uses are fideslang terms, so the privacy officer sees what is
held and why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final


class Purpose(enum.StrEnum):
    """A personal use of data that the shopper switches on or off, each separately."""

    PRESENCE = "presence"
    PERSONAL_RECS = "personal_recs"
    PICKUP_OFFERS = "pickup_offers"
    ANALYTICS = "analytics"


# W3C DPV purpose terms for consent records (ISO/IEC TS 27560).
DPV_PURPOSE: Final[dict[Purpose, str]] = {
    Purpose.PRESENCE: "dpv:ServiceProvision",
    Purpose.PERSONAL_RECS: "dpv:ServicePersonalisation",
    Purpose.PICKUP_OFFERS: "dpv:PersonalisedAdvertising",
    Purpose.ANALYTICS: "dpv:ServiceOptimisation",
}


@dataclass(frozen=True, slots=True)
class EventKind:
    """What one event type holds and why, in fideslang terms."""

    name: str
    purposes: frozenset[Purpose]  # empty: anonymous, needs no consent
    data_categories: tuple[str, ...]
    data_uses: tuple[str, ...]
    personal: bool


PURGED: Final = "purged"  # a tombstone: keeps its seq, has no subject and no data

EVENT_KINDS: Final[dict[str, EventKind]] = {
    k.name: k
    for k in (
        EventKind(
            "scan",
            frozenset(),
            ("system.operations",),
            ("essential.service",),
            personal=False,
        ),
        EventKind(
            "scan.personal",
            frozenset({Purpose.PERSONAL_RECS, Purpose.ANALYTICS}),
            ("user.behavior.browsing_history", "user.device.device_id"),
            ("personalize.content.limited", "analytics.reporting"),
            personal=True,
        ),
        EventKind(
            "zone.enter",
            frozenset({Purpose.PRESENCE, Purpose.ANALYTICS}),
            ("user.location.coarse", "user.device.device_id"),
            ("essential.service", "analytics.reporting"),
            personal=True,
        ),
        EventKind(
            "zone.exit",
            frozenset({Purpose.PRESENCE, Purpose.ANALYTICS}),
            ("user.location.coarse", "user.device.device_id"),
            ("essential.service", "analytics.reporting"),
            personal=True,
        ),
        EventKind(
            "zone.dwell",
            frozenset({Purpose.PRESENCE, Purpose.ANALYTICS}),
            ("user.location.coarse", "user.device.device_id"),
            ("essential.service", "analytics.reporting"),
            personal=True,
        ),
        EventKind(
            "footfall",
            frozenset(),
            ("system.operations",),
            ("analytics.reporting",),
            personal=False,
        ),
        EventKind(
            "rec.shown",
            frozenset({Purpose.PERSONAL_RECS, Purpose.PICKUP_OFFERS}),
            ("user.behavior.purchase_history",),
            ("personalize.content.limited",),
            personal=True,
        ),
        EventKind(
            "pickup",
            frozenset({Purpose.PICKUP_OFFERS}),
            ("user.behavior.purchase_history",),
            ("personalize.content.limited",),
            personal=True,
        ),
        EventKind(
            "beacon.health",
            frozenset(),
            ("system.operations",),
            ("essential.service",),
            personal=False,
        ),
        EventKind(
            "bench",
            frozenset(),
            ("system.operations",),
            ("essential.service",),
            personal=False,
        ),
        EventKind(PURGED, frozenset(), (), (), personal=False),
    )
}
