"""The two reference methods the zone engine is measured against, on the same trace.

- :func:`strongest_recent`: the zone of the gateway with the strongest reception in
  the last second (what most hobby set-ups do).
- :func:`smoothed_hysteresis`: per-gateway RSSI smoothed by an exponential moving
  average, gateways not heard for a while dropped, and a zone change only when
  another zone's best gateway beats the current one by a margin (Bermuda-style
  "stickiness").

Both give per-id step functions for :mod:`edge.presence.scoring`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.trace import Chunk

STEP_S: Final = 0.5
WINDOW_S: Final = 1.0
SMOOTH_TAU_S: Final = 3.0  # EMA time constant: ESPresense-like smoothing
STALE_S: Final = 5.0  # a gateway not heard this long no longer counts
MARGIN_DB: Final = 3.0  # stickiness
_NONE: Final = -1

Steps = dict[str, tuple[list[float], list[str | None]]]


def _per_id(ident: npt.NDArray[np.int64]) -> list[npt.NDArray[np.int64]]:
    order = np.argsort(ident, kind="stable")
    cuts = np.flatnonzero(np.diff(ident[order])) + 1
    return np.split(order, cuts)


def strongest_recent(chunk: Chunk, names: Sequence[str], gateway_zone: Sequence[str]) -> Steps:
    """Zone of the strongest reception in the last second, decided every 0.5 s."""
    t, gateway, ident, rssi = chunk.t, chunk.gateway, chunk.ident, chunk.rssi
    out: Steps = {}
    for idx in _per_id(ident):
        if idx.size == 0:
            continue
        tt, gg, rr = t[idx], gateway[idx], rssi[idx]
        samples = np.arange(math.ceil(tt[0] / STEP_S) * STEP_S, tt[-1] + STEP_S, STEP_S)
        hi = np.searchsorted(tt, samples, side="right")
        lo = np.searchsorted(tt, samples - WINDOW_S, side="right")
        times: list[float] = []
        zones: list[str | None] = []
        current = None
        for s, a, b in zip(samples.tolist(), lo.tolist(), hi.tolist(), strict=True):
            if b <= a:
                continue
            zone = gateway_zone[int(gg[a + int(np.argmax(rr[a:b]))])]
            if zone != current:
                times.append(s)
                zones.append(zone)
                current = zone
        out[names[int(ident[idx[0]])]] = (times, zones)
    return out


def smoothed_hysteresis(chunk: Chunk, names: Sequence[str], gateway_zone: Sequence[str]) -> Steps:
    """EMA-smoothed RSSI per gateway, stale gateways dropped, 3 dB stickiness."""
    zone_names = sorted(set(gateway_zone))
    gz = np.array([zone_names.index(z) for z in gateway_zone])
    n_gw = len(gateway_zone)
    alpha = 1.0 - math.exp(-STEP_S / SMOOTH_TAU_S)
    t, gateway, ident, rssi = chunk.t, chunk.gateway, chunk.ident, chunk.rssi
    out: Steps = {}
    for idx in _per_id(ident):
        if idx.size == 0:
            continue
        tt, gg, rr = t[idx], gateway[idx], rssi[idx].astype(np.float64)
        step = np.floor(tt / STEP_S).astype(np.int64)
        first, last = int(step[0]), int(step[-1])
        n_steps = last - first + 1
        sums = np.zeros((n_steps, n_gw))
        counts = np.zeros((n_steps, n_gw))
        np.add.at(sums, (step - first, gg), rr)
        np.add.at(counts, (step - first, gg), 1.0)
        smooth = np.full(n_gw, np.nan)
        seen = np.full(n_gw, -np.inf)
        times: list[float] = []
        zones: list[str | None] = []
        current = _NONE
        for k in range(n_steps):
            heard = counts[k] > 0
            mean = np.divide(sums[k], counts[k], out=np.zeros(n_gw), where=heard)
            fresh = heard & np.isnan(smooth)
            smooth[fresh] = mean[fresh]
            upd = heard & ~fresh
            smooth[upd] += alpha * (mean[upd] - smooth[upd])
            now = (first + k + 1) * STEP_S
            seen[heard] = now
            live = np.where(seen >= now - STALE_S, smooth, -np.inf)
            if not np.isfinite(live).any():
                continue
            best_per_zone = np.full(len(zone_names), -np.inf)
            np.maximum.at(best_per_zone, gz, live)
            best = int(np.argmax(best_per_zone))
            if current == _NONE or (
                best != current and best_per_zone[best] > best_per_zone[current] + MARGIN_DB
            ):
                if best != current:
                    times.append(now)
                    zones.append(zone_names[best])
                current = best
        out[names[int(ident[idx[0]])]] = (times, zones)
    return out
