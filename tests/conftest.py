"""Shared fixtures. Markers come from the directory a test lives in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_LAYERS = ("unit", "sim", "broker", "browser", "install", "hardware")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for layer in _LAYERS:
            if layer in parts:
                item.add_marker(getattr(pytest.mark, layer))
        if "hardware" in parts and os.environ.get("INSTORE_HARDWARE") != "1":
            item.add_marker(pytest.mark.skip(reason="needs real hardware; set INSTORE_HARDWARE=1"))
