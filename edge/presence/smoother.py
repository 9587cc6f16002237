"""Hindsight for the zone engine: a fixed-lag smoother over its last few ticks.

Where a shopper was at tick ``t`` is clearer once the next few seconds are heard:
shadowing lasts seconds, so a phone's first receptions past a boundary look like a
fade, and a shopper stopping near one is only placed after some averaging. The
engine therefore names the zone of tick ``t`` at tick ``t + lag``, from
``p(state at t | everything heard up to t + lag)``: the filtered probabilities of
``t`` times the likelihood of the later evidence carried back through the motion
model (:meth:`edge.presence.motion.Motion.back`). Events then carry the time they
describe, ``lag`` ticks before they are emitted.

This holds the last few ticks of every row: the filtered probabilities and the
evidence (likelihood per cell) of each tick.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from edge.presence.motion import MODES, Motion

F32 = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]


class FixedLagSmoother:
    """Ring buffers of the last ``span`` ticks, and the backward pass over them.

    ``lag`` ticks of hindsight at least; decisions are taken ``batch`` ticks at a time,
    one backward pass serving them all (the older ones get more hindsight).
    """

    def __init__(self, motion: Motion, lag: int, n_cells: int, batch: int = 1) -> None:
        if lag < 1 or batch < 1:
            raise ValueError("a fixed-lag smoother needs a lag and a batch of a tick or more")
        self.lag = lag
        self.batch = batch
        self.span = lag + batch
        self._motion = motion
        self._n_cells = n_cells
        self._alpha = np.zeros((self.span, 0, MODES, n_cells), dtype=np.float32)
        self._lik = np.ones((self.span, 0, n_cells), dtype=np.float32)
        self._held = [-1] * self.span  # the tick each slot holds
        self._slot = 0

    def grow(self, rows: int) -> None:
        old = self._alpha.shape[1]
        alpha = np.zeros((self.span, rows, MODES, self._n_cells), dtype=np.float32)
        lik = np.ones((self.span, rows, self._n_cells), dtype=np.float32)
        alpha[:, :old], lik[:, :old] = self._alpha, self._lik
        self._alpha, self._lik = alpha, lik

    def forget(self, row: int) -> None:
        """Drop what is held of ``row`` (its id was withdrawn or lost)."""
        self._alpha[:, row] = 0.0
        self._lik[:, row] = self._motion.mask

    def begin(self, tick: int) -> None:
        """Tick ``tick`` is being processed: its slot takes the place of the oldest."""
        self._slot = tick % self.span
        self._held[self._slot] = tick
        self._lik[self._slot] = self._motion.mask  # no evidence: all cells of the floor

    def evidence(self, rows: Rows, lik: F32) -> None:
        """What this tick's receptions say about each cell (any scale per row)."""
        self._lik[self._slot, rows] = lik * self._motion.mask if self._motion.partial else lik

    def record(self, probs: F32) -> None:
        """The filtered probabilities of this tick, after its evidence (every row)."""
        self._alpha[self._slot] = probs

    def held_since(self, last: int) -> int:
        """The oldest tick from which every tick up to ``last`` is held."""
        first = last
        while first > last - self.span + 1 and self._held[(first - 1) % self.span] == first - 1:
            first -= 1
        return first if self._held[last % self.span] == last else last + 1

    def smoothed(self, targets: range, last: int, rows: Rows) -> list[F32]:
        """``p(state at t | evidence up to last)`` for each tick ``t`` of ``targets``
        (held, oldest first) and ``rows``, as ``[row, mode, cell]``."""
        lik = self._lik[:, rows]
        out: list[F32] = []
        beta: F32 | None = None  # likelihood of the evidence after tick k, given tick k
        for k in range(last, targets.start - 1, -1):
            if k < last:
                here = lik[(k + 1) % self.span, :, None, :]
                beta = self._motion.back(
                    np.repeat(here, MODES, axis=1) if beta is None else beta * here
                )
            if k in targets:
                out.append(self._posterior(k, rows, beta))
        out.reverse()
        return out

    def _posterior(self, tick: int, rows: Rows, beta: F32 | None) -> F32:
        alpha: F32 = self._alpha[tick % self.span, rows]
        if beta is None:
            return alpha
        post: F32 = alpha * beta
        total = post.sum(axis=(1, 2), keepdims=True)
        post /= np.maximum(total, 1e-30)
        lost = total.ravel() <= 0.0  # later evidence fits no state the filter held
        post[lost] = alpha[lost]
        return post
