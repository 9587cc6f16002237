"""Calibration: fit path loss per gateway and the engine's knobs to one walk, check on another.

The walk's ground truth says which zone the phone was in, not where. So positions
come from the zone engine's own grid: for each second of the walk, the likelihood of
what the gateways heard over the cells *of the true zone*, whose mean is taken as the
phone's place. RSSI against log-distance then gives each gateway's 1 m power and
exponent (least squares, with a store-wide exponent where a gateway's own is not
well determined), twice, each time with positions from the newer model. The engine's
smoothing and hysteresis settings are then chosen by replaying the fitting walk over
a small grid. The report scores the settings before and after on the *other* walk.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from edge.errors import EdgeInputError
from edge.presence.config import EngineSettings, PresenceSettings
from edge.presence.grid import (
    HEIGHT_DIFF_M,
    LEVEL_HEIGHT_M,
    N_RSSI,
    FloorGrid,
    RadioTables,
    rssi_index,
)
from edge.presence.replay import Evaluation, evaluate, run_engine
from edge.presence.scoring import score, to_steps
from edge.presence.trace import Chunk

RAYLEIGH_MEAN_DB: Final = -2.51  # mean of 10 log10(E), E ~ Exp(1): fading lowers the mean RSSI
FIT_MARGIN_DB: Final = 10.0  # use receptions this far above the receiver floor: no truncation bias
EXPONENT_RANGE: Final = (2.0, 4.0)
MIN_SPREAD: Final = 0.12  # log10 distance spread a gateway needs for its own exponent
POSITION_WINDOW_S: Final = 2.0
ENGINE_GRID: Final = {
    "sigma_db": (5.0, 6.0, 7.0),
    "switch_margin": (0.2, 0.3, 0.5),
    "shadow_correlation_s": (2.0, 3.0, 5.0),
}
CALIBRATION_STEPS: Final = math.prod(len(v) for v in ENGINE_GRID.values()) + 3  # for a bar
FLAP_PENALTY: Final = 0.05  # accuracy points given up per flap per change above 1.3


@dataclass
class FitPoints:
    """What the RSSI-vs-distance plot shows: per gateway, distances and RSSI used."""

    distance_m: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    rssi: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)


@dataclass
class Calibration:
    settings: PresenceSettings
    before: Evaluation
    after: Evaluation
    fit_accuracy_before: float
    fit_accuracy_after: float
    points: FitPoints
    shared_exponent: float

    def summary(self) -> dict[str, Any]:
        def block(ev: Evaluation) -> dict[str, Any]:
            return {
                "zone_accuracy": round(ev.engine.zone_accuracy, 4),
                "baseline_zone_accuracy": round(ev.strongest.zone_accuracy, 4),
                "smoothed_baseline_zone_accuracy": round(ev.smoothed.zone_accuracy, 4),
                "zone_change_p50_s": round(ev.engine.zone_change_p50_s, 2),
                "missed_change_rate": round(ev.engine.missed_change_rate, 4),
                "flaps_per_change": round(ev.engine.flaps_per_change, 3),
                "per_zone": {z: round(a, 4) for z, a in ev.engine.per_zone.items()},
            }

        return {
            "fit_walk": {
                "zone_accuracy_before": round(self.fit_accuracy_before, 4),
                "zone_accuracy_after": round(self.fit_accuracy_after, 4),
            },
            "check_walk_before": block(self.before),
            "check_walk_after": block(self.after),
            "gateways": {
                name: {"ref_power_dbm": round(g.ref_power_dbm, 1), "exponent": round(g.exponent, 2)}
                for name, g in self.settings.gateways.items()
            },
            "shared_exponent": round(self.shared_exponent, 2),
            "engine": self.settings.engine.model_dump(),
        }


@dataclass(frozen=True)
class Walk:
    """Receptions and ground truth of one or more walks."""

    chunk: Chunk
    names: Sequence[str]
    gateway_names: Sequence[str]
    truth: list[dict[str, Any]]


def split_walks(walk: Walk) -> tuple[Walk, Walk]:
    """Two walks out of one trace: the ids that start first fit, the others check."""
    first: dict[str, float] = {}
    for m in walk.truth:
        first.setdefault(m["id"], float(m["t"]))
    ids = sorted(first, key=first.__getitem__)
    if len(ids) < 2:
        raise EdgeInputError(
            "the ground truth holds one walk: walk twice (or give --check TRACE TRUTH), "
            "a fit is never scored on the walk it was fitted to"
        )
    fit_ids = set(ids[: len(ids) // 2])
    return _select(walk, fit_ids), _select(walk, set(ids) - fit_ids)


def _select(walk: Walk, ids: set[str]) -> Walk:
    index = np.array([n in ids for n in walk.names], dtype=bool)
    keep = index[walk.chunk.ident] if walk.chunk.ident.size else np.zeros(0, dtype=bool)
    c = walk.chunk
    return Walk(
        Chunk(c.t[keep], c.gateway[keep], c.ident[keep], c.rssi[keep]),
        walk.names,
        walk.gateway_names,
        [m for m in walk.truth if m["id"] in ids],
    )


def positions(settings: PresenceSettings, walk: Walk) -> tuple[npt.NDArray[np.float64], ...]:
    """Per reception: the phone's estimated (x, y, level) inside its true zone, or NaN."""
    grid = FloorGrid(settings)
    tables = RadioTables(grid, settings)
    steps = to_steps(walk.truth)
    zone_index = {z: i for i, z in enumerate(grid.zone_names)}
    c = walk.chunk
    gw_map = np.array([grid.gateway_names.index(g) for g in walk.gateway_names], dtype=np.int64)
    rows = rssi_index(c.rssi) + gw_map[c.gateway] * N_RSSI
    window = np.floor(c.t / POSITION_WINDOW_S).astype(np.int64)
    key = c.ident * (1 << 32) + (window - window.min() if window.size else window)
    order = np.argsort(key, kind="stable")
    cuts = np.flatnonzero(np.diff(key[order])) + 1
    x = np.full(c.t.size, np.nan)
    y = np.full(c.t.size, np.nan)
    lv = np.zeros(c.t.size)
    for group in np.split(order, cuts):
        if group.size == 0:
            continue
        ident = walk.names[int(c.ident[group[0]])]
        zone = _zone_at(steps.get(ident), float(c.t[group].mean()))
        if zone is None or zone not in zone_index:
            continue
        inside = grid.cell_zone == zone_index[zone]
        ll = tables.heard[rows[group]].sum(axis=0)[inside]
        w = np.exp(ll - ll.max())
        w /= w.sum()
        x[group] = float(w @ grid.cell_x[inside])
        y[group] = float(w @ grid.cell_y[inside])
        lv[group] = float(w @ grid.cell_level[inside])
    return x, y, lv


def _zone_at(steps: tuple[list[float], list[str | None]] | None, t: float) -> str | None:
    if steps is None:
        return None
    i = int(np.searchsorted(np.array(steps[0]), t, side="right")) - 1
    return None if i < 0 else steps[1][i]


def fit_path_loss(
    settings: PresenceSettings, walk: Walk, rounds: int = 2
) -> tuple[PresenceSettings, FitPoints, float]:
    """Settings with each gateway's 1 m power and exponent fitted to ``walk``."""
    current = settings
    points = FitPoints()
    shared = 3.0
    for _ in range(rounds):
        x, y, lv = positions(current, walk)
        c = walk.chunk
        ok = np.isfinite(x)
        gx = np.array([current.gateways[g].x for g in walk.gateway_names])
        gy = np.array([current.gateways[g].y for g in walk.gateway_names])
        gl = np.array([current.gateways[g].level for g in walk.gateway_names])
        dz = HEIGHT_DIFF_M + LEVEL_HEIGHT_M * np.abs(lv - gl[c.gateway])
        dist = np.sqrt((x - gx[c.gateway]) ** 2 + (y - gy[c.gateway]) ** 2 + dz**2)
        floor = current.engine.sensitivity_dbm + FIT_MARGIN_DB
        use = ok & np.isfinite(dist)
        logd = np.log10(np.maximum(dist, 1.0))
        shared = _shared_exponent(
            c.gateway[use], logd[use], c.rssi[use].astype(float), len(gx), floor
        )
        gateways = dict(current.gateways)
        offset = -RAYLEIGH_MEAN_DB if current.engine.fading else 0.0
        for gi, name in enumerate(walk.gateway_names):
            mine = use & (c.gateway == gi)
            ld, rs = logd[mine], c.rssi[mine].astype(float)
            points.distance_m[name] = dist[mine]
            points.rssi[name] = rs
            ref, exp = _fit_one(ld, rs, shared, floor)
            if ref is None:
                continue
            gateways[name] = gateways[name].model_copy(
                update={"ref_power_dbm": round(ref + offset, 2), "exponent": round(exp, 3)}
            )
        current = current.model_copy(update={"gateways": gateways})
    return current, points, shared


def _near_enough(
    ld: npt.NDArray[np.float64], rs: npt.NDArray[np.float64], exp: float, ref: float, floor: float
) -> npt.NDArray[np.bool_]:
    # keep receptions where the model expects well above the floor: far ones are only
    # heard when fading lifts them, which would bias the fit
    return (ref - 10.0 * exp * ld) >= floor


def _shared_exponent(
    gw: npt.NDArray[np.int64],
    ld: npt.NDArray[np.float64],
    rs: npt.NDArray[np.float64],
    n_gw: int,
    floor: float,
) -> float:
    """One exponent for the store, with an intercept per gateway (least squares)."""
    if rs.size < 20:
        return 3.0
    near = _near_enough(ld, rs, 3.0, -59.0, floor)
    gw, ld, rs = gw[near], ld[near], rs[near]
    design = np.zeros((rs.size, n_gw + 1))
    design[np.arange(rs.size), gw] = 1.0
    design[:, n_gw] = -10.0 * ld
    coef, *_ = np.linalg.lstsq(design, rs, rcond=None)
    return float(np.clip(coef[n_gw], *EXPONENT_RANGE))


def _fit_one(
    ld: npt.NDArray[np.float64], rs: npt.NDArray[np.float64], shared: float, floor: float
) -> tuple[float | None, float]:
    if rs.size < 10:
        return None, shared
    ref0 = float(np.median(rs + 10.0 * shared * ld))
    near = _near_enough(ld, rs, shared, ref0, floor)
    if near.sum() < 10:
        return None, shared
    ld, rs = ld[near], rs[near]
    if ld.std() >= MIN_SPREAD:
        slope, intercept = np.polyfit(-10.0 * ld, rs, 1)
        if EXPONENT_RANGE[0] <= slope <= EXPONENT_RANGE[1]:
            return float(intercept), float(slope)
    return float(np.mean(rs + 10.0 * shared * ld)), shared


def fit_engine(
    settings: PresenceSettings, walk: Walk, step: Callable[[], object] = lambda: None
) -> tuple[PresenceSettings, float]:
    """The engine settings from :data:`ENGINE_GRID` that replay ``walk`` best (``step``
    is called after each)."""
    best = (-math.inf, settings)
    names = list(ENGINE_GRID)
    for values in itertools.product(*ENGINE_GRID.values()):
        engine = settings.engine.model_copy(update=dict(zip(names, values, strict=True)))
        candidate = settings.model_copy(
            update={"engine": EngineSettings.model_validate(engine.model_dump())}
        )
        changes = run_engine(candidate, walk.chunk, walk.names, walk.gateway_names)
        sc = score(to_steps(walk.truth), to_steps(c.to_json() for c in changes))
        value = sc.zone_accuracy - FLAP_PENALTY * max(0.0, sc.flaps_per_change - 1.3)
        if value > best[0]:
            best = (value, candidate)
        step()
    return best[1], best[0]


def calibrate(
    settings: PresenceSettings, fit: Walk, check: Walk, step: Callable[[], object] = lambda: None
) -> Calibration:
    """Fit to ``fit``; score the given and the fitted settings on ``check``. ``step`` is
    called :data:`CALIBRATION_STEPS` times along the way (a progress bar)."""
    if not fit.truth or not check.truth:
        raise EdgeInputError("both walks need ground-truth marks")
    if fit.chunk.t.size == 0:
        raise EdgeInputError("the fitting walk has no receptions of its ids")
    before_fit = evaluate(settings, fit.chunk, fit.names, fit.gateway_names, fit.truth)
    fitted, points, shared = fit_path_loss(settings, fit)
    step()
    tuned, _ = fit_engine(fitted, fit, step)
    after_fit = evaluate(tuned, fit.chunk, fit.names, fit.gateway_names, fit.truth)
    before = evaluate(settings, check.chunk, check.names, check.gateway_names, check.truth)
    step()
    after = evaluate(tuned, check.chunk, check.names, check.gateway_names, check.truth)
    step()
    return Calibration(
        settings=tuned,
        before=before,
        after=after,
        fit_accuracy_before=before_fit.engine.zone_accuracy,
        fit_accuracy_after=after_fit.engine.zone_accuracy,
        points=points,
        shared_exponent=shared,
    )
