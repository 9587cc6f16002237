"""Reads for the analytics pages: only rollup tables, never the events table."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Final

from hub.dashboard.groups import Cell
from hub.dashboard.settings import DashboardSettings

TOP_PRODUCTS: Final = 6  # lines a chart can carry and still be read
OTHER: Final = "other"


@dataclass(frozen=True, slots=True)
class Series:
    """Values per label over the same time axis (hours or buckets, as unix seconds)."""

    times: list[int]
    values: dict[str, list[float | None]]


def _series(rows: list[tuple[int, str, float | None]], times: list[int]) -> Series:
    index = {t: i for i, t in enumerate(times)}
    values: dict[str, list[float | None]] = {}
    for t, label, v in rows:
        if t in index:
            values.setdefault(label, [0.0] * len(times))[index[t]] = v
    return Series(times, dict(sorted(values.items())))


def hours_back(now: float, hours: int) -> list[int]:
    last = int(now // 3600) * 3600
    return [last - 3600 * i for i in range(hours - 1, -1, -1)]


def scans_per_product(
    db: sqlite3.Connection, now: float, hours: int = 24, top: int = TOP_PRODUCTS
) -> Series:
    """Scans per hour of the ``top`` most scanned products; the rest summed as "other"."""
    times = hours_back(now, hours)
    rows = db.execute(
        "SELECT hour, gtin, n FROM roll_scans WHERE hour >= ?", (times[0],)
    ).fetchall()
    totals: dict[str, int] = {}
    for _, gtin, n in rows:
        totals[gtin] = totals.get(gtin, 0) + n
    keep = set(sorted(totals, key=lambda g: (-totals[g], g))[:top])
    merged: dict[tuple[int, str], float] = {}
    for hour, gtin, n in rows:
        key = (hour, gtin if gtin in keep else OTHER)
        merged[key] = merged.get(key, 0) + n
    return _series([(h, g, n) for (h, g), n in merged.items()], times)


def footfall_per_zone(db: sqlite3.Connection, now: float, hours: int = 24) -> Series:
    times = hours_back(now, hours)
    rows = db.execute(
        "SELECT hour, zone, n FROM roll_footfall WHERE hour >= ?", (times[0],)
    ).fetchall()
    return _series(rows, times)


def presence_cells(
    db: sqlite3.Connection, now: float, settings: DashboardSettings, buckets: int = 24
) -> list[Cell]:
    """Published presence figures of the last closed buckets (suppressed ones included)."""
    first = int(now // settings.bucket_s) - buckets
    rows = db.execute(
        "SELECT bucket, zone, shoppers, dwell_median_s, noisy FROM roll_presence "
        "WHERE bucket >= ? ORDER BY bucket, zone",
        (first,),
    ).fetchall()
    return [Cell(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


def event_type_counts(db: sqlite3.Connection) -> dict[str, int]:
    return {r[0]: r[1] for r in db.execute("SELECT type, n FROM roll_types")}
