"""The planogram: which fixture (shelf) and unit hold a product, read from CSV.

Columns: ``gtin`` and at least one of ``fixture`` and ``unit``; ``shelf`` is optional.
Every bad line is reported as ``file:line: message``."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from domain.maps.errors import MapError, PlanogramError
from domain.maps.model import Venue


def gtin_is_valid(code: str) -> bool:
    """A GTIN-8, -12, -13 or -14 with a correct GS1 check digit."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    body = [int(c) for c in code[:-1]]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(code[-1])


@dataclass(frozen=True, slots=True)
class Slot:
    gtin: str
    fixture_id: str
    unit_id: str
    shelf: int | None


def read_planogram(path: Path, venue: Venue) -> dict[str, Slot]:
    """GTIN -> where it stands; raises PlanogramError with one line per bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MapError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    rows = csv.DictReader(text.splitlines())
    name = path.name
    fields = set(rows.fieldnames or [])
    if "gtin" not in fields or not fields & {"fixture", "unit"}:
        raise PlanogramError([f"{name}:1: header needs gtin and fixture or unit"])
    out: dict[str, Slot] = {}
    problems: list[str] = []
    for row in rows:
        line = rows.line_num
        gtin = (row.get("gtin") or "").strip()
        fixture = (row.get("fixture") or "").strip()
        unit = (row.get("unit") or "").strip()
        shelf_text = (row.get("shelf") or "").strip()
        if not gtin_is_valid(gtin):
            problems.append(f"{name}:{line}: gtin {gtin!r} is not a GTIN with a valid check digit")
            continue
        if gtin in out:
            problems.append(f"{name}:{line}: gtin {gtin} is already placed on an earlier line")
            continue
        if fixture:
            place = venue.places.get(fixture)
            if place is None:
                problems.append(f"{name}:{line}: fixture {fixture!r} is not on the map")
                continue
            if unit and unit != place.unit_id:
                problems.append(f"{name}:{line}: fixture {fixture!r} is not in unit {unit!r}")
                continue
            unit = place.unit_id
        elif unit not in venue.units:
            problems.append(f"{name}:{line}: unit {unit!r} is not on the map")
            continue
        if shelf_text and not shelf_text.isdigit():
            problems.append(f"{name}:{line}: shelf {shelf_text!r} is not a whole number")
            continue
        out[gtin] = Slot(gtin, fixture, unit, int(shelf_text) if shelf_text else None)
    if problems:
        raise PlanogramError(problems)
    return out


def targets(slots: Mapping[str, Slot]) -> dict[str, str]:
    """GTIN -> the feature a route to the product ends at (its fixture, else its unit)."""
    return {g: s.fixture_id or s.unit_id for g, s in slots.items()}
