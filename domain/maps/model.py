"""The map model every format is turned into: levels, units, openings, level connectors
and point-like places, all in metres in one local frame (x east, y north)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

from shapely.geometry import LineString, MultiPolygon, Point, Polygon

Labels = Mapping[str, str]  # language code ("en", "de", ...) -> text, as IMDF labels

ConnectorKind = Literal["elevator", "escalator", "stairs", "ramp", "steps"]
CONNECTOR_KINDS: Final[frozenset[str]] = frozenset(
    {"elevator", "escalator", "stairs", "ramp", "steps"}
)
# Connectors a wheelchair, a pram or a trolley can use.
STEP_FREE_KINDS: Final[frozenset[str]] = frozenset({"elevator", "ramp"})
# Unit categories that have steps inside them: a step-free route never crosses one.
STEPPED_UNIT_CATEGORIES: Final[frozenset[str]] = frozenset({"stairs", "steps", "escalator"})

Area: TypeAlias = Polygon | MultiPolygon

PlaceKind = Literal["kiosk", "anchor", "amenity", "fixture", "section", "occupant"]


def label(labels: Labels, lang: str = "en") -> str:
    """The text for ``lang``, else its base language, else English, else any, else ''."""
    if not labels:
        return ""
    base = lang.split("-", maxsplit=1)[0].lower()
    for key in (lang, base, "en"):
        if key in labels:
            return labels[key]
    for key, text in labels.items():
        if key.split("-")[0].lower() in (base, "en"):
            return text
    return next(iter(labels.values()))


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    ordinal: int
    name: Labels
    short_name: Labels
    outline: Area


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    level_id: str
    category: str
    name: Labels
    outline: Area


@dataclass(frozen=True, slots=True)
class Opening:
    id: str
    level_id: str
    category: str
    line: LineString


@dataclass(frozen=True, slots=True)
class Connector:
    """Units (or openings) on different levels joined by stairs, a lift, an escalator or
    a ramp. ``chain`` is in order; a directed connector runs from first to last only."""

    id: str
    kind: str
    chain: tuple[str, ...]
    directed: bool

    @property
    def step_free(self) -> bool:
        return self.kind in STEP_FREE_KINDS


@dataclass(frozen=True, slots=True)
class Place:
    """A point someone can be at or walk to: a kiosk, a shelf, an amenity, a shop."""

    id: str
    kind: str
    level_id: str
    unit_id: str
    point: Point
    name: Labels
    category: str = ""


@dataclass(frozen=True, slots=True)
class Venue:
    id: str
    name: Labels
    levels: Mapping[str, Level]
    units: Mapping[str, Unit]
    openings: Mapping[str, Opening]
    connectors: Mapping[str, Connector]
    places: Mapping[str, Place]
    # WGS84 (lon, lat) of the local frame's origin; None for a map drawn in metres.
    origin: tuple[float, float] | None = None
    source: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)

    def levels_in_order(self) -> list[Level]:
        return sorted(self.levels.values(), key=lambda lv: lv.ordinal)

    def name_of(self, feature_id: str, lang: str = "en") -> str:
        """A name a shopper would recognise for any feature id, else the id itself."""
        for table in (self.places, self.units):
            item = table.get(feature_id)
            if item is not None:
                text = label(item.name, lang)
                if text:
                    return text
        return feature_id
