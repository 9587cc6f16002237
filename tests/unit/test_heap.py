"""Collector settings for the long-running processes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from console.heap import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restore_gc")
def test_settling_freezes_what_start_up_made_and_delays_young_collections() -> None:
    made_at_start_up = [{"schema": n} for n in range(1000)]
    settle_heap()
    assert gc.get_freeze_count() >= len(made_at_start_up)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
