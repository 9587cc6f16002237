"""Counting delivery by event id: the generator's own record against the hub database."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Delivery:
    recorded: int  # ids the generators wrote after their outbox commit returned
    stored: int  # rows in the hub's events table (tombstones excluded)
    lost: int  # recorded ids the hub does not have
    duplicated: int  # extra copies of any id at the hub
    unrecorded: int  # ids at the hub a generator was killed before recording


def read_record(paths: Iterable[Path]) -> list[str]:
    ids: list[str] = []
    for path in paths:
        if path.exists():
            ids.extend(line for line in path.read_text().splitlines() if line)
    return ids


def count_delivery(records: Iterable[Path], hub_db: Path, event_type: str) -> Delivery:
    recorded = read_record(records)
    with sqlite3.connect(f"file:{hub_db}?mode=ro", uri=True) as db:
        hub_ids = [r[0] for r in db.execute("SELECT id FROM events WHERE type = ?", (event_type,))]
    counts = Counter(hub_ids)
    rec = set(recorded)
    return Delivery(
        recorded=len(rec),
        stored=len(hub_ids),
        lost=len(rec - counts.keys()),
        duplicated=sum(n - 1 for n in counts.values() if n > 1),
        unrecorded=len(counts.keys() - rec),
    )
