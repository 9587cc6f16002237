"""Run every probe against a target and count the attacks that worked."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

from tqdm import tqdm

from simulators.attack.arena import Arena
from simulators.attack.registry import PROBES, Probe
from simulators.attack.target import Target

# The order probes run in: the broker, devices, the hub, its pages (the revocation last).
PROBE_MODULES = tuple(
    f"simulators.attack.probes_{part}" for part in ("broker", "devices", "hub", "web")
)


def load_probes() -> dict[str, Probe]:
    for module in PROBE_MODULES:
        importlib.import_module(module)  # registers its probes
    return PROBES


def run_attack(target: Target, only: Sequence[str] = ()) -> dict[str, Any]:
    """``{"probes", "succeeded", "errors", "by_probe"}``; ``by_probe`` names each probe
    with whether it succeeded and what happened."""
    probes = load_probes()
    chosen = [n for n in probes if not only or any(n.startswith(o) for o in only)]
    unknown = [o for o in only if not any(n.startswith(o) for n in probes)]
    if unknown:
        raise ValueError(f"no probe is called {unknown[0]!r}")
    arena = Arena(target)
    by_probe: dict[str, dict[str, Any]] = {}
    errors = 0
    try:
        for name in tqdm(chosen, desc="attack", file=sys.stderr, unit="probe"):
            try:
                outcome = probes[name](arena)
            except Exception as exc:
                errors += 1
                what = f"could not run: {type(exc).__name__}: {exc}"
                by_probe[name] = {"succeeded": None, "what": what}
                continue
            by_probe[name] = {"succeeded": outcome.succeeded, "what": outcome.what}
    finally:
        arena.close()
    succeeded = sum(1 for r in by_probe.values() if r["succeeded"])
    return {"probes": len(by_probe), "succeeded": succeeded, "errors": errors, "by_probe": by_probe}
