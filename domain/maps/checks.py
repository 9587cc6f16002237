"""Checks on the map model that every format shares: units inside their level, openings
on unit boundaries, connectors that join known units on different levels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import shapely
from shapely.strtree import STRtree

from domain.maps.model import Unit, Venue

# 10 cm: survey drawings and hand-drawn YAML disagree by a wall's plaster, not more.
TOLERANCE_M: Final = 0.10

Say = Callable[[str, str, str], None]


def units_by_level(venue: Venue) -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {lv: [] for lv in venue.levels}
    for unit in venue.units.values():
        out.setdefault(unit.level_id, []).append(unit)
    return out


def geometry_problems(venue: Venue, file_of: Callable[[str], str]) -> list[str]:
    """One ``file: id: message`` line per geometric or topological error in ``venue``."""
    problems: list[str] = []

    def say(kind: str, feature_id: str, message: str) -> None:
        problems.append(f"{file_of(kind)}: {feature_id}: {message}")

    _check_areas(venue, say)
    _check_openings(venue, say)
    _check_connectors(venue, say)
    for place in venue.places.values():
        if place.level_id not in venue.levels:
            say(place.kind, place.id, f"level {place.level_id!r} does not exist")
        elif place.unit_id not in venue.units:
            say(place.kind, place.id, "is not inside any unit of its level")
        elif not venue.units[place.unit_id].outline.buffer(TOLERANCE_M).contains(place.point):
            say(place.kind, place.id, f"lies outside its unit {place.unit_id!r}")
    return problems


def _check_areas(venue: Venue, say: Say) -> None:
    for level in venue.levels.values():
        if not level.outline.is_valid or level.outline.is_empty:
            why = shapely.is_valid_reason(level.outline)
            say("level", level.id, f"outline is not a valid polygon ({why})")
    grown = {lv.id: lv.outline.buffer(TOLERANCE_M) for lv in venue.levels.values()}
    for unit in venue.units.values():
        if not unit.outline.is_valid or unit.outline.is_empty:
            why = shapely.is_valid_reason(unit.outline)
            say("unit", unit.id, f"outline is not a valid polygon ({why})")
            continue
        level_area = grown.get(unit.level_id)
        if level_area is None:
            say("unit", unit.id, f"level {unit.level_id!r} does not exist")
        elif not unit.outline.within(level_area):
            say("unit", unit.id, f"lies outside its level {unit.level_id!r}")


def _check_openings(venue: Venue, say: Say) -> None:
    per_level = units_by_level(venue)
    trees = {lv: STRtree([u.outline.boundary for u in us]) for lv, us in per_level.items() if us}
    for opening in venue.openings.values():
        if opening.level_id not in venue.levels:
            say("opening", opening.id, f"level {opening.level_id!r} does not exist")
            continue
        tree = trees.get(opening.level_id)
        near = [] if tree is None else tree.query(opening.line, "dwithin", TOLERANCE_M)
        walls = [per_level[opening.level_id][int(i)].outline.boundary for i in near]
        if opening.line.is_empty or not any(
            opening.line.within(wall.buffer(TOLERANCE_M)) for wall in walls
        ):
            say("opening", opening.id, "does not lie on the boundary of any unit on its level")


def _check_connectors(venue: Venue, say: Say) -> None:
    for conn in venue.connectors.values():
        levels: list[str] = []
        for ref in conn.chain:
            holder = venue.units.get(ref) or venue.openings.get(ref)
            if holder is None:
                say("relationship", conn.id, f"{ref!r} is not a unit or opening")
            else:
                levels.append(holder.level_id)
        if len(conn.chain) < 2:
            say("relationship", conn.id, "needs an origin and a destination")
        elif len(levels) == len(conn.chain) and len(set(levels)) < 2:
            say("relationship", conn.id, f"{conn.kind} does not join two levels")
