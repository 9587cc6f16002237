"""How a shopper moves between ticks: the zone engine's motion model, both ways.

A tracked id's state is a probability for every (mode, cell): mode 0 is dwelling at a
shelf, modes 1-8 are walking in one of eight headings 45 degrees apart. Per tick a
dweller starts walking with probability ``1 - exp(-tick / mean_dwell)``, a walker stops
with ``1 - exp(-tick / mean_walk)``, may turn 45 degrees, and steps ``speed * tick``
along its heading. :meth:`Motion.forward` moves probabilities one tick on (the
filter's prediction); :meth:`Motion.back` carries the likelihood of later evidence one
tick back (the fixed-lag smoother's backward pass, :mod:`edge.presence.smoother`).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.config import EngineSettings
from edge.presence.grid import FloorGrid

HEADINGS: Final = 8  # walking directions, 45 degrees apart
MODES: Final = 1 + HEADINGS  # dwelling, then one mode per heading
_FLOOR: Final = 1e-4  # share of probability spread over the floor each tick: re-acquire
_TURN: Final = 0.1  # share of walkers turning 45 degrees in a tick

F32 = npt.NDArray[np.float32]


class Motion:
    """The motion model over one floor grid (arrays are ``[row, mode, cell]``)."""

    def __init__(self, grid: FloorGrid, eng: EngineSettings) -> None:
        self._shape = grid.shape
        self.mask: F32 = grid.mask.astype(np.float32)
        self.partial = not grid.mask.all()  # zones do not cover the whole grid
        self.prior: F32 = (grid.prior / MODES).astype(np.float32)  # per (mode, cell)
        self.start_walk = 1.0 - math.exp(-eng.tick_s / eng.mean_dwell_s)
        self.stop_walk = 1.0 - math.exp(-eng.tick_s / eng.mean_walk_s)
        step = eng.speed_m_s * eng.tick_s / eng.cell_m
        self._offsets = [
            (round(step * math.sin(a)), round(step * math.cos(a)))
            for a in np.arange(HEADINGS) * (2 * math.pi / HEADINGS)
        ]
        # a walker keeps walking and may turn to a neighbouring heading
        turn = np.eye(HEADINGS) * (1.0 - _TURN)
        turn += 0.5 * _TURN * (np.roll(np.eye(HEADINGS), 1, 0) + np.roll(np.eye(HEADINGS), -1, 0))
        self._keep_walking: F32 = ((1.0 - self.stop_walk) * turn).astype(np.float32)

    def forward(self, probs: F32) -> F32:
        """Probabilities one tick later."""
        new = self.carry(probs)
        # walkers stepping off the floor are gone: renormalise, and mix in the floor
        new *= np.float32(1.0 - _FLOOR) / new.sum(axis=(1, 2), keepdims=True)
        new += np.float32(_FLOOR) * self.prior
        return new

    def carry(self, probs: F32) -> F32:
        """The linear part of :meth:`forward`: where each state's probability goes."""
        dwell = probs[:, 0]
        walk = probs[:, 1:]
        src = self._keep_walking @ walk
        src += np.float32(self.start_walk / HEADINGS) * dwell[:, None]
        new = np.empty_like(probs)
        np.multiply(walk.sum(axis=1), np.float32(self.stop_walk), out=new[:, 0])
        new[:, 0] += np.float32(1.0 - self.start_walk) * dwell
        self._shift(src, +1, new[:, 1:])
        if self.partial:
            new *= self.mask
        return new

    def back(self, beta: F32) -> F32:
        """The transpose of :meth:`carry`: ``beta[mode, cell]`` is the likelihood of
        later evidence given that state one tick later, zero off the floor; the result
        is the same given the state now."""
        ahead = np.empty_like(beta[:, 1:])
        self._shift(beta[:, 1:], -1, ahead)  # what a walker here meets one step on
        out = np.empty_like(beta)
        np.multiply(ahead.sum(axis=1), np.float32(self.start_walk / HEADINGS), out=out[:, 0])
        out[:, 0] += np.float32(1.0 - self.start_walk) * beta[:, 0]
        np.matmul(self._keep_walking, ahead, out=out[:, 1:])  # symmetric: its own transpose
        out[:, 1:] += np.float32(self.stop_walk) * beta[:, :1]
        return out

    def _shift(self, walk: F32, sign: int, out: F32) -> None:
        """Each heading's plane of ``walk`` moved one step along (+1) or against (-1) its
        heading, into ``out``; what enters from beyond the grid is zero."""
        rows = walk.shape[0]
        levels, height, width = self._shape
        cube = walk.reshape(rows, HEADINGS, levels, height, width)
        moved = out.reshape(rows, HEADINGS, levels, height, width)
        moved.fill(0.0)
        for k, (oy, ox) in enumerate(self._offsets):
            dy, dx = sign * oy, sign * ox
            moved[:, k, :, max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = (
                cube[:, k, :, max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)]
            )
