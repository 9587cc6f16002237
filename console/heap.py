"""Garbage-collector settings for the long-running processes (hub, edge agents).

Ingest and the uplink make tens of thousands of short-lived dicts and tuples a second.
With the stock thresholds that starts a collection every few hundred allocations, and
every full collection scans the whole heap: modules, pydantic schemas, the web app,
made once at start-up and alive until exit.
"""

from __future__ import annotations

import gc
from typing import Final

# Young objects: collect after this many more allocations than frees (stock: 700).
# A batch's dicts are freed long before, so collections become rare, not memory-hungry.
YOUNG_THRESHOLD: Final = 10_000


def settle_heap() -> None:
    """Call once start-up is done: what exists now is frozen out of every future
    collection (``gc.freeze``), and young collections start later."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
