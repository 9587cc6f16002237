"""The floor plan as a grid, and what each gateway should hear from each cell.

The zone engine is a grid Bayes filter: a probability for every cell of the floor
plan. This module precomputes, once per settings, the log-likelihood of every
integer RSSI at every gateway from every cell, so an update is a table look-up and a
sum, batched with numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.errors import EdgeInputError
from edge.presence.config import EngineSettings, PresenceSettings

RSSI_MIN: Final = -110  # below any BLE receiver's floor
RSSI_MAX: Final = -20  # a phone pressed on the gateway
N_RSSI: Final = RSSI_MAX - RSSI_MIN + 1
HEIGHT_DIFF_M: Final = 1.5  # gateways hang ~2.7 m up, phones are held at ~1.2 m
LEVEL_HEIGHT_M: Final = 4.0  # one storey
_OFFSETS: Final = np.arange(-90.0, 50.0, 0.25)  # dB offsets from the path-loss mean
MAX_JOINT: Final = 8  # packets of one link per tick averaged as one observation (10 Hz: ~7)

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def link_noise_pdf(
    sigma_db: float, fading: bool, packets: int = 1
) -> tuple[FloatArray, FloatArray]:
    """Density of (RSSI - path-loss mean) in dB on :data:`_OFFSETS`, and its survival.

    Shadowing is Gaussian in dB; Rayleigh fading makes the received power exponential,
    i.e. ``10 log10(E)`` with ``E ~ Exp(1)`` in dB: a long tail of deep fades. For
    ``packets`` > 1 it is the density of the mean *linear* power of that many packets
    sharing one shadowing value (``E ~ Gamma(k, 1/k)``): the efficient average under
    Rayleigh fading.
    """
    x = _OFFSETS
    step = float(x[1] - x[0])
    gauss = np.exp(-0.5 * (x / sigma_db) ** 2)
    if fading:
        lin = 10.0 ** (x / 10.0)
        k = float(packets)
        # log-density of Gamma(k, 1/k) at lin, times the Jacobian of dB
        log_gamma = k * math.log(k) - math.lgamma(k) + (k - 1) * np.log(lin) - k * lin
        fade = (math.log(10) / 10.0) * lin * np.exp(log_gamma)
        # shadowing + fading: sum over fading values y of gauss(x - y) * fade(y)
        pdf = np.exp(-0.5 * ((x[:, None] - x[None, :]) / sigma_db) ** 2) @ (fade * step)
    else:
        pdf = gauss
    pdf = np.maximum(pdf, 0.0)
    pdf /= pdf.sum() * step
    survival = 1.0 - np.cumsum(pdf) * step
    return pdf, np.clip(survival, 1e-12, 1.0)


def inside_polygon(
    polygon: Sequence[Sequence[float]], x: FloatArray, y: FloatArray
) -> npt.NDArray[np.bool_]:
    """Which points (``x``, ``y``) lie inside ``polygon`` (even-odd rule; a point on an
    edge may fall either way). Hand-written for the gateway: it runs once at start-up, and
    shapely for it would stay resident in a small board's memory for the process's life."""
    inside = np.zeros(x.shape, dtype=bool)
    n = len(polygon)
    for i in range(n):
        (xa, ya), (xb, yb) = polygon[i], polygon[(i + 1) % n]
        if ya == yb:
            continue  # a horizontal edge never crosses a horizontal ray
        crosses = (ya > y) != (yb > y)
        at_x = xa + (y - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (x < at_x)
    return inside


class FloorGrid:
    """Cells of the floor plan (inside some zone), with their zone and position."""

    def __init__(self, settings: PresenceSettings) -> None:
        cell = settings.engine.cell_m
        self.zone_names: list[str] = list(settings.zones)
        self.gateway_names: list[str] = list(settings.gateways)
        self.levels: list[int] = sorted({z.level for z in settings.zones.values()})
        xs: list[float] = []
        ys: list[float] = []
        for z in settings.zones.values():
            xs.extend(p[0] for p in z.polygon)
            ys.extend(p[1] for p in z.polygon)
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        width = max(1, math.ceil((x1 - x0) / cell))
        height = max(1, math.ceil((y1 - y0) / cell))
        self.shape: tuple[int, int, int] = (len(self.levels), height, width)
        gy, gx = np.mgrid[0:height, 0:width]
        cx = x0 + (gx.ravel() + 0.5) * cell
        cy = y0 + (gy.ravel() + 0.5) * cell
        zone_of = np.full((len(self.levels), height * width), -1, dtype=np.int64)
        for zi, z in enumerate(settings.zones.values()):
            inside = inside_polygon(z.polygon, cx, cy)
            li = self.levels.index(z.level)
            zone_of[li, inside & (zone_of[li] < 0)] = zi
        self.cell_zone: IntArray = zone_of.ravel()
        self.mask = self.cell_zone >= 0
        if not self.mask.any():
            raise EdgeInputError("the zones cover no cell of the floor grid")
        n = self.cell_zone.size
        self.cell_x: FloatArray = np.tile(cx, len(self.levels))
        self.cell_y: FloatArray = np.tile(cy, len(self.levels))
        self.cell_level: IntArray = np.repeat(np.array(self.levels), height * width)
        self.zone_matrix: FloatArray = np.zeros((n, len(self.zone_names)))
        self.zone_matrix[np.flatnonzero(self.mask), self.cell_zone[self.mask]] = 1.0
        self.prior: FloatArray = self.mask / self.mask.sum()

    @property
    def n_cells(self) -> int:
        return int(self.cell_zone.size)

    def distances(self, settings: PresenceSettings) -> FloatArray:
        """Metres from every gateway (rows) to every cell (columns), in 3-D."""
        out = np.empty((len(self.gateway_names), self.n_cells))
        for gi, name in enumerate(self.gateway_names):
            gw = settings.gateways[name]
            dz = HEIGHT_DIFF_M + LEVEL_HEIGHT_M * np.abs(self.cell_level - gw.level)
            out[gi] = np.sqrt((self.cell_x - gw.x) ** 2 + (self.cell_y - gw.y) ** 2 + dz**2)
        return out


class RadioTables:
    """Log-likelihood look-up tables for one settings: ``heard[g, rssi, cell]`` and ``miss``."""

    def __init__(self, grid: FloorGrid, settings: PresenceSettings) -> None:
        eng: EngineSettings = settings.engine
        dist = grid.distances(settings)
        ref = np.array([settings.gateways[g].ref_power_dbm for g in grid.gateway_names])
        exp = np.array([settings.gateways[g].exponent for g in grid.gateway_names])
        self.mean_dbm: FloatArray = ref[:, None] - 10.0 * exp[:, None] * np.log10(
            np.maximum(dist, 1.0)
        )
        pdf, survival = link_noise_pdf(eng.sigma_db, eng.fading)
        rssi = np.arange(RSSI_MIN, RSSI_MAX + 1, dtype=np.float64)
        # P(heard | cell): the packet survives loss and lands above the receiver's floor
        p_above = np.interp(eng.sensitivity_dbm - self.mean_dbm, _OFFSETS, survival)
        p_heard = (1.0 - eng.loss) * p_above
        self.miss: Float32Array = np.log(np.clip(1.0 - p_heard, 1e-6, 1.0)).astype(np.float32)
        self.n_gateways = self.mean_dbm.shape[0]
        self._eng, self._rssi, self._pdf, self._p_above = eng, rssi, pdf, p_above

    # the tables are built when first read: an engine that tracks shadowing reads none

    @cached_property
    def heard(self) -> Float32Array:
        """Log-likelihood of one packet's RSSI: row = g * N_RSSI + rssi index."""
        return self._table(self._eng, self._rssi, self._pdf, self._p_above)

    @cached_property
    def joint(self) -> Float32Array:
        """The same for the mean linear power of k packets of one link in one tick (they
        share their shadowing, so they are one observation, not k):
        row = ((k - 1) * G + g) * N_RSSI + rssi index."""
        joint = [self.heard]
        for k in range(2, MAX_JOINT + 1):
            pdf_k, _ = link_noise_pdf(self._eng.sigma_db, self._eng.fading, k)
            joint.append(self._table(self._eng, self._rssi, pdf_k, self._p_above))
        return np.concatenate(joint)

    def _table(
        self, eng: EngineSettings, rssi: FloatArray, pdf: FloatArray, p_above: FloatArray
    ) -> Float32Array:
        floor = eng.outlier_share / (RSSI_MAX - eng.sensitivity_dbm + 1)
        g, n = self.mean_dbm.shape
        out = np.empty((g, N_RSSI, n))
        for gi in range(g):
            off = rssi[:, None] - self.mean_dbm[gi][None, :]
            dens = np.interp(off, _OFFSETS, pdf, left=0.0, right=0.0)
            cond = dens / np.maximum(p_above[gi][None, :], 1e-9)
            out[gi] = np.log((1.0 - eng.outlier_share) * cond + floor)
        # row = g * N_RSSI + rssi index; float32: the tables are read for every reception
        return out.reshape(g * N_RSSI, n).astype(np.float32)


def rssi_index(rssi: npt.NDArray[np.int64] | npt.NDArray[np.float64]) -> IntArray:
    """Row offsets into :attr:`RadioTables.heard` for RSSI values (clamped to the table)."""
    return (np.clip(np.rint(rssi), RSSI_MIN, RSSI_MAX) - RSSI_MIN).astype(np.int64)
