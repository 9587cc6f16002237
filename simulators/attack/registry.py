"""The attack's probes by name, registered where they are written."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulators.attack.arena import Arena, Outcome

Probe = Callable[["Arena"], "Outcome"]
PROBES: dict[str, Probe] = {}


def probe(name: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        if name in PROBES:
            raise ValueError(f"two probes are called {name}")
        PROBES[name] = fn
        return fn

    return register
