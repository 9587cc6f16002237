"""Publishing figures about groups of shoppers: the k threshold and Laplace noise.

The pure core of the dashboard's privacy rules for analytics:

- a figure derived from personal events is shown only for a group of at least k
  distinct shoppers;
- figures form one partition (zone x closed time bucket) with no totals or overlaps,
  so no hidden group can be had by subtracting two shown figures; a closed bucket
  never changes again (late events are dropped, not added);
- with a daily epsilon, counts carry Laplace noise from OpenDP, drawn once per figure
  and stored, so looking twice does not average it away. Each shopper contributes to
  at most ``max_cells`` figures a day, so the day's counts have L1 sensitivity
  ``max_cells`` and each count gets scale ``max_cells / epsilon``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import opendp.prelude as dp

dp.enable_features("contrib")  # OpenDP's Laplace on integers is a "contrib" measurement

DWELL_CAP_S: Final = 1800.0  # a dwell longer than 30 min is counted as 30 min


@dataclass(frozen=True, slots=True)
class Cell:
    """One published figure: shoppers in a zone in a closed bucket (None: fewer than k)."""

    bucket: int
    zone: str
    shoppers: int | None
    dwell_median_s: float | None
    noisy: bool


def laplace_scale(epsilon_daily: float, max_cells: int) -> float:
    """Noise scale for one count when a shopper is in at most ``max_cells`` a day."""
    return max_cells / epsilon_daily


def noisy_count(true_count: int, scale: float) -> int:
    """``true_count`` plus discrete Laplace noise of ``scale`` (OpenDP), never below 0."""
    measurement = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=scale)
    return max(0, int(measurement(true_count)))


def publish_cell(
    bucket: int,
    zone: str,
    contributions: Iterable[tuple[bytes, float | None]],
    *,
    k: int,
    epsilon_daily: float | None,
    max_cells: int,
) -> Cell:
    """The figure for one (bucket, zone) from its (shopper tag, dwell) contributions.

    Distinct shoppers are counted by tag; a shopper's dwell is their longest in the cell.
    """
    longest: dict[bytes, float | None] = {}
    for tag, dwell in contributions:
        seen = longest.get(tag)
        if dwell is not None and (seen is None or dwell > seen):
            longest[tag] = min(dwell, DWELL_CAP_S)
        else:
            longest.setdefault(tag, seen)
    n = len(longest)
    dwells = [d for d in longest.values() if d is not None]
    if epsilon_daily is not None:
        shown = noisy_count(n, laplace_scale(epsilon_daily, max_cells))
        if n < k or shown < k:
            return Cell(bucket, zone, None, None, noisy=True)
        # No noisy median is published: at a useful epsilon it would be mostly noise.
        return Cell(bucket, zone, shown, None, noisy=True)
    if n < k:
        return Cell(bucket, zone, None, None, noisy=False)
    median = statistics.median(dwells) if len(dwells) >= k else None
    return Cell(bucket, zone, n, median, noisy=False)


def disjoint(cells: Iterable[Cell]) -> bool:
    """True if no two shown cells cover the same (bucket, zone): nothing to subtract."""
    keys = [(c.bucket, c.zone) for c in cells]
    return len(keys) == len(set(keys))
