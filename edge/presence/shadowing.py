"""Shadowing tracked per link: a Kalman filter per (id, gateway) and cell.

Shadowing stays correlated for seconds (people, shelves, the body holding the phone).
Instead of tempering the evidence, each link's shadowing is an AR(1) process whose
current value is estimated per cell hypothesis: the innovation of a new observation is
what neither the path loss from that cell nor the link's recent shadowing explains.
Fading of a k-packet mean (log-Gamma in dB) is treated as Gaussian with its mean and
variance; a small outlier share keeps the likelihood robust.

The gain and variance depend only on the link's history, not on the cell, so only the
mean is kept per cell: ``m[row, gateway, cell]``.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.config import EngineSettings

DB: Final = 10.0 / math.log(10.0)
EULER_GAMMA: Final = 0.5772156649015329  # digamma(1) = -EULER_GAMMA
_RSSI_SPAN_DB: Final = 80.0  # outliers land anywhere between the floor and a close phone
F32 = npt.NDArray[np.float32]


def fading_moments(k_max: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Mean and variance (dB) of ``10 log10`` of the mean of k Exp(1) powers, k = 1..k_max.

    The log of a Gamma(k) variable has mean digamma(k) and variance trigamma(k); at whole
    k they are sums (digamma(k) = -gamma + H(k-1), trigamma(k) = pi^2/6 - sum of 1/j^2 for
    j < k), so the gateway needs no scipy."""
    k = np.arange(1, k_max + 1, dtype=np.float64)
    below = np.concatenate(([0.0], k[:-1]))  # j = 1..k-1 for each k, as 1..k_max shifted
    inverse = np.divide(1.0, below, out=np.zeros_like(below), where=below > 0)
    digamma = -EULER_GAMMA + np.cumsum(inverse)
    trigamma = math.pi**2 / 6.0 - np.cumsum(inverse**2)
    mean = DB * (digamma - np.log(k))
    var = DB**2 * trigamma
    return mean, var


class LinkShadowing:
    """Per-link shadowing estimates for every tracked row."""

    def __init__(self, eng: EngineSettings, n_gateways: int, n_cells: int, k_max: int) -> None:
        self._rho = math.exp(-eng.tick_s / eng.shadow_correlation_s)
        self._var = eng.sigma_db**2
        self._outlier = eng.outlier_share
        mean, var = fading_moments(k_max)
        self._fade_mean = mean.astype(np.float32)
        self._fade_var = var.astype(np.float32)
        self._n_gw = n_gateways
        self._n_cells = n_cells
        self.m = np.zeros((0, n_gateways, n_cells), dtype=np.float32)
        self.v = np.zeros((0, n_gateways), dtype=np.float32)

    def grow(self, rows: int) -> None:
        old = self.m.shape[0]
        m = np.zeros((rows, self._n_gw, self._n_cells), dtype=np.float32)
        v = np.full((rows, self._n_gw), self._var, dtype=np.float32)
        m[:old], v[:old] = self.m, self.v
        self.m, self.v = m, v

    def reset(self, row: int) -> None:
        self.m[row] = 0.0
        self.v[row] = self._var

    def decay(self, rows: npt.NDArray[np.int64], ticks: int) -> None:
        """Time passes: shadowing regresses to zero and grows uncertain again."""
        rho = self._rho**ticks
        if rows.size * 2 >= self.m.shape[0]:  # most rows: cheaper in place than by index
            self.m *= np.float32(rho)
            self.v *= np.float32(rho * rho)
            self.v += np.float32(self._var * (1.0 - rho * rho))
            return
        self.m[rows] *= np.float32(rho)
        self.v[rows] = rho * rho * self.v[rows] + self._var * (1.0 - rho * rho)

    def weigh(
        self,
        dev: npt.NDArray[np.int64],
        gateway: npt.NDArray[np.int64],
        k: npt.NDArray[np.int64],
        z: npt.NDArray[np.float64],
        mean_dbm: F32,
    ) -> F32:
        """Log-likelihood per link (rows) and cell, then the Kalman update of each link."""
        links = dev * self._n_gw + gateway
        by_link = self.m.reshape(-1, self._n_cells)
        m = np.take(by_link, links, axis=0)  # (links, cells)
        v = self.v[dev, gateway]
        s = v + self._fade_var[k - 1]
        # innovation e = z - fading mean - path-loss mean - shadowing estimate, per cell
        e = mean_dbm[gateway]
        e += m
        np.subtract((z - self._fade_mean[k - 1]).astype(np.float32)[:, None], e, out=e)
        # log of the Gaussian, floored at the outlier density: the larger of the two terms
        # of the mixture (within log 2 of it where they meet; no exp and log per cell)
        q = e * e
        q *= (-0.5 / s)[:, None]
        q += (math.log(1.0 - self._outlier) - 0.5 * np.log(2 * math.pi * s))[:, None]
        ll: F32 = np.maximum(q, np.float32(math.log(self._outlier / _RSSI_SPAN_DB)), out=q)
        gain = (v / s).astype(np.float32)
        e *= gain[:, None]
        e += m
        by_link[links] = e
        self.v[dev, gateway] = (1.0 - gain) * v
        return ll
