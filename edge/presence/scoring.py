"""Scoring zone decisions against a walked ground truth.

Ground truth is a list of marks ``{"t", "id", "zone"}`` ("I am in zone X now"); a
mark with ``zone`` null ends the id (it left, or its token rotated). Decisions are
the same shape: the engine's zone changes. Both are step functions of time.

- ``zone_accuracy``: share of time (sampled every ``STEP_S``) where the decided zone
  is the true one, over every id's covered time.
- A *change* is a true zone change whose new zone then holds for at least
  ``MIN_STAY_S`` (a shopper cutting across a corner is not one). Its latency is
  how long after the change the decision first names the new zone; it is *missed*
  if the decision never does while the shopper stays.
- ``flaps_per_change``: decided zone changes per true zone change (every true change,
  corners cut included: 1.0 means the decision changes exactly as often as reality).
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

STEP_S: Final = 0.5  # sampling of the step functions
MIN_STAY_S: Final = 5.0  # a true change counts if the new zone holds this long

Steps = Mapping[str, tuple[list[float], list[str | None]]]


@dataclass(frozen=True, slots=True)
class Score:
    zone_accuracy: float
    zone_change_p50_s: float
    missed_change_rate: float
    flaps_per_change: float
    changes: int
    samples: int
    per_zone: dict[str, float]


def to_steps(marks: Iterable[Mapping[str, Any]]) -> dict[str, tuple[list[float], list[str | None]]]:
    """Marks (time-ordered) as per-id step functions ``(times, zones)``."""
    out: dict[str, tuple[list[float], list[str | None]]] = defaultdict(lambda: ([], []))
    for m in marks:
        times, zones = out[m["id"]]
        times.append(float(m["t"]))
        zones.append(m["zone"])
    return dict(out)


def _value_at(steps: tuple[list[float], list[str | None]] | None, t: float) -> str | None:
    if steps is None:
        return None
    i = bisect.bisect_right(steps[0], t) - 1
    return None if i < 0 else steps[1][i]


def score(truth: Steps, decided: Steps, end_t: float | None = None) -> Score:
    """Score ``decided`` against ``truth`` (see the module docstring)."""
    right = total = 0
    zone_right: dict[str, int] = defaultdict(int)
    zone_total: dict[str, int] = defaultdict(int)
    latencies: list[float] = []
    missed = changes = all_changes = decided_changes = 0
    for ident, (t_marks, z_marks) in truth.items():
        last = end_t if end_t is not None else t_marks[-1]
        mine = decided.get(ident)
        for i, (t0, zone) in enumerate(zip(t_marks, z_marks, strict=True)):
            if zone is None:
                continue
            t1 = t_marks[i + 1] if i + 1 < len(t_marks) else last
            samples = np.arange(t0, t1, STEP_S)
            for s in samples.tolist():
                ok = _value_at(mine, s) == zone
                right += ok
                zone_right[zone] += ok
            total += samples.size
            zone_total[zone] += samples.size
            prev = z_marks[i - 1] if i > 0 else None
            if prev is None or prev == zone:
                continue
            all_changes += 1
            if t1 - t0 < MIN_STAY_S:
                continue
            changes += 1
            hit = next((s for s in samples.tolist() if _value_at(mine, s) == zone), None)
            if hit is None:
                missed += 1
            else:
                latencies.append(hit - t0)
        if mine is not None:
            zs = mine[1]
            decided_changes += sum(
                1 for a, b in itertools.pairwise(zs) if a is not None and b is not None and a != b
            )
    return Score(
        zone_accuracy=right / total if total else 0.0,
        zone_change_p50_s=float(np.median(latencies)) if latencies else 0.0,
        missed_change_rate=missed / changes if changes else 0.0,
        flaps_per_change=decided_changes / all_changes if all_changes else 0.0,
        changes=changes,
        samples=total,
        per_zone={z: zone_right[z] / n for z, n in sorted(zone_total.items()) if n},
    )
