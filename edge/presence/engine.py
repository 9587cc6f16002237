"""The zone engine: a grid Bayes filter over the floor plan, then zones with hysteresis.

Time is an input. Receptions (gateway, id, RSSI, t) are gathered per tick; at the end
of a tick every tracked device's probabilities are moved (dwelling or walking in one
of eight headings, :mod:`edge.presence.motion`), then weighed by what the gateways heard
and did not hear (shadowing tracked per link, batched with numpy). With hindsight
(``decision_lag_s``, :mod:`edge.presence.smoother`) the zones of the tick ``lag`` back
are then decided from everything heard since; without, those of this tick. The zone
with the most probability must lead the current one by ``switch_margin`` for
``min_dwell_s`` before the zone changes. The live agent
(:meth:`PresenceEngine.on_sighting`) and ``ble replay`` (:meth:`PresenceEngine.feed`)
run this same code.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.config import PresenceSettings
from edge.presence.grid import MAX_JOINT, N_RSSI, RSSI_MIN, FloorGrid, RadioTables, rssi_index
from edge.presence.motion import MODES, Motion
from edge.presence.roster import TOKEN, RosterFilter, Sighting
from edge.presence.shadowing import LinkShadowing
from edge.presence.smoother import FixedLagSmoother

ENTER: Final = "enter"
EXIT: Final = "exit"
DWELL: Final = "dwell"
GATEWAY_SILENT_S: Final = 10.0  # a gateway that heard nobody this long is not evidence
_MAX_GAP_STEPS: Final = 10  # after a silent gap, walkers have spread over the floor anyway
_SMOOTH_BATCH: Final = 2  # with hindsight, ticks are decided two at a time (one backward pass)


@dataclass(frozen=True, slots=True)
class ZoneEvent:
    """Enter, exit or dwell of one id in one zone at ``t``."""

    kind: str
    t: float
    id: str
    zone: str
    dwell_s: float = 0.0
    lost: bool = False  # an exit because the id was not heard for ``lost_after_s``


_Pending = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Sequence[str]]  # rows, ids, names


@dataclass(slots=True)
class _Track:
    row: int
    zone: int = -1
    since: float = 0.0
    candidate: int = -1
    candidate_since: float = 0.0
    last_heard: float = 0.0
    dwell_sent: bool = False
    born: int = 0  # the tick the track began: hindsight reaches no further back


class PresenceEngine:
    """Zone decisions for ids heard by the store's gateways.

    With a ``roster`` filter, events are emitted only for tokens on the roster
    (presence consent) and store beacons are ignored; without one (replay), for every id.
    """

    def __init__(self, settings: PresenceSettings, roster: RosterFilter | None = None) -> None:
        self.settings = settings
        self.roster = roster
        self.grid = FloorGrid(settings)
        self.tables = RadioTables(self.grid, settings)
        self._gw_index = {name: i for i, name in enumerate(self.grid.gateway_names)}
        self._n_gw = len(self.grid.gateway_names)
        eng = settings.engine
        self._motion = Motion(self.grid, eng)
        self._probs = np.zeros((0, MODES, self.grid.n_cells), dtype=np.float32)  # [row, mode, cell]
        self._lag = round(eng.decision_lag_s / eng.tick_s)
        self._smoother = (
            FixedLagSmoother(self._motion, self._lag, self.grid.n_cells, _SMOOTH_BATCH)
            if self._lag
            else None
        )
        self._decided = -1  # the last tick whose zones were decided
        self._shadow = (
            LinkShadowing(
                settings.engine, len(self.grid.gateway_names), self.grid.n_cells, MAX_JOINT
            )
            if settings.engine.shadow_tracking
            else None
        )
        self._mean32 = self.tables.mean_dbm.astype(np.float32)
        self._free: list[int] = []
        self._tracks: dict[str, _Track] = {}
        self._tick = -1  # index of the open tick
        self._pending: list[_Pending] = []
        self._gw_last = np.full(self._n_gw, -math.inf)
        self.late = 0  # receptions older than the open tick: not used
        self.unknown_gateways: set[str] = set()

    # ----- input -----------------------------------------------------------------------

    def on_sighting(self, gateway: str, sighting: Sighting) -> list[ZoneEvent]:
        """A kept advertisement from the scan callback (live agent)."""
        if sighting.kind != TOKEN:
            return self.advance(sighting.t)
        return self.on_reception(sighting.t, gateway, sighting.id, sighting.rssi)

    def on_reception(self, t: float, gateway: str, ident: str, rssi: int) -> list[ZoneEvent]:
        """One reception; returns the events of every tick it closes."""
        gi = self._gw_index.get(gateway)
        if gi is None:
            self.unknown_gateways.add(gateway)
            return self.advance(t)
        return self.feed(np.array([t]), np.array([gi]), np.array([0]), np.array([rssi]), [ident])

    def feed(
        self,
        t: npt.NDArray[np.float64],
        gateway: npt.NDArray[np.int64],
        ident: npt.NDArray[np.int64],
        rssi: npt.NDArray[np.int64],
        names: Sequence[str],
    ) -> list[ZoneEvent]:
        """A batch of receptions in time order: ``gateway`` indexes ``grid.gateway_names``,
        ``ident`` indexes ``names``. Returns the events of every tick it closes."""
        events: list[ZoneEvent] = []
        if t.size == 0:
            return events
        tick_s = self.settings.engine.tick_s
        ticks = np.floor(t / tick_s).astype(np.int64)
        if self._tick < 0:
            self._tick = int(ticks[0])
        old = ticks < self._tick
        if old.any():
            self.late += int(old.sum())
            keep = ~old
            t, gateway, ident, rssi, ticks = (
                t[keep],
                gateway[keep],
                ident[keep],
                rssi[keep],
                ticks[keep],
            )
        starts = np.flatnonzero(np.diff(ticks)) + 1
        bounds = [0, *starts.tolist(), ticks.size]
        rows = rssi_index(rssi) + gateway * N_RSSI
        for a, b in itertools.pairwise(bounds):
            if a == b:
                continue
            tick = int(ticks[a])
            if tick > self._tick:
                events.extend(self._close_until(tick))
            self._pending.append((rows[a:b], ident[a:b], names))
            self._gw_last[np.unique(gateway[a:b])] = t[b - 1]
        return events

    def advance(self, now: float) -> list[ZoneEvent]:
        """Close every tick that ended before ``now`` (call it when nothing is heard)."""
        tick = math.floor(now / self.settings.engine.tick_s)
        if self._tick < 0 or tick <= self._tick:
            return []
        return self._close_until(tick)

    def flush(self) -> list[ZoneEvent]:
        """Decide the ticks still waiting for hindsight with what is heard so far (the
        end of a replay); later receptions do not revise them."""
        if self._tick < 0:
            return []
        return self._decide_lagged(self._tick - 1, self._tick - 1)

    def forget(self, ident: str) -> None:
        """Drop everything held about ``ident`` (withdrawal or purge)."""
        track = self._tracks.pop(ident, None)
        if track is not None:
            self._probs[track.row] = 0.0
            if self._smoother is not None:
                self._smoother.forget(track.row)
            self._free.append(track.row)

    def zone_of(self, ident: str) -> str | None:
        track = self._tracks.get(ident)
        if track is None or track.zone < 0:
            return None
        return self.grid.zone_names[track.zone]

    @property
    def tracked(self) -> int:
        return len(self._tracks)

    def tracked_ids(self) -> list[str]:
        return list(self._tracks)

    # ----- ticks -----------------------------------------------------------------------

    def _close_until(self, tick: int) -> list[ZoneEvent]:
        """Process the open tick, let time pass up to ``tick``, open ``tick``."""
        eng = self.settings.engine
        end_t = (self._tick + 1) * eng.tick_s
        events = self._update(end_t)
        gap = tick - self._tick - 1
        if gap > 0 and self._tracks:
            # nobody was heard for a while: no hindsight spans the gap
            events.extend(self._decide_lagged(self._tick, self._tick))
            self._move(gap)
            events.extend(self._expire(max(end_t, (tick - self._lag) * eng.tick_s)))
        self._tick = tick
        return events

    def _update(self, now: float) -> list[ZoneEvent]:
        """Close the open tick: motion, evidence, then the zones of the tick ``lag`` back."""
        pending, self._pending = self._pending, []
        if self._smoother is not None:
            self._smoother.begin(self._tick)
        if self._tracks:
            self._move(1)
        heard = self._take(pending, now) if pending else np.zeros(0, dtype=np.int64)
        if self._smoother is None:
            events = self._decide(now, heard, self._probs[heard])
            events.extend(self._expire(now))
            return events
        self._smoother.record(self._probs)
        due = self._tick - self._lag
        events = (
            self._decide_lagged(due, self._tick)
            if due - self._decided >= self._smoother.batch
            else []
        )
        events.extend(self._expire(now - self._lag * self.settings.engine.tick_s))
        return events

    def _decide_lagged(self, due: int, last: int) -> list[ZoneEvent]:
        """The zones of every tick not yet decided up to ``due``, given the evidence up
        to tick ``last``."""
        smoother = self._smoother
        if smoother is None or due <= self._decided:
            return []
        targets = range(max(self._decided + 1, smoother.held_since(last)), due + 1)
        self._decided = due
        tracks = [tr for tr in self._tracks.values() if tr.born <= due]
        if not tracks or not targets:
            return []
        rows = np.array([tr.row for tr in tracks], dtype=np.int64)
        born = np.array([tr.born for tr in tracks], dtype=np.int64)
        events: list[ZoneEvent] = []
        tick_s = self.settings.engine.tick_s
        for target, post in zip(targets, smoother.smoothed(targets, last, rows), strict=True):
            if born.max() <= target:
                events.extend(self._decide((target + 1) * tick_s, rows, post))
            else:
                ready = born <= target
                events.extend(self._decide((target + 1) * tick_s, rows[ready], post[ready]))
        return events

    def _take(self, pending: list[_Pending], now: float) -> npt.NDArray[np.int64]:
        """Weigh the receptions of the tick; returns the rows of the ids heard."""
        allowed = self._allowed()
        rows_parts: list[npt.NDArray[np.int64]] = []
        track_parts: list[npt.NDArray[np.int64]] = []
        for chunk_rows, chunk_ids, chunk_names in pending:
            uniq, inverse = np.unique(chunk_ids, return_inverse=True)
            to_row = np.empty(uniq.size, dtype=np.int64)
            for j, k in enumerate(uniq.tolist()):
                name = chunk_names[k]
                track = self._tracks.get(name)
                if track is None:
                    if allowed is not None and name not in allowed:
                        to_row[j] = -1
                        continue
                    track = self._new_track(name, self._tick)
                track.last_heard = now
                to_row[j] = track.row
            mapped = to_row[inverse]
            keep = mapped >= 0
            rows_parts.append(chunk_rows[keep])
            track_parts.append(mapped[keep])
        rows = np.concatenate(rows_parts)
        track_rows = np.concatenate(track_parts)
        if rows.size:
            self._weigh(rows, track_rows, now)
        return np.unique(track_rows)

    def _allowed(self) -> frozenset[str] | None:
        if self.roster is None:
            return None
        return self.roster._tokens  # same feature, read-only

    def _new_track(self, name: str, tick: int) -> _Track:
        if self._free:
            row = self._free.pop()
        else:
            row = self._probs.shape[0]
            grown = np.zeros((max(8, 2 * row), MODES, self.grid.n_cells), dtype=np.float32)
            grown[:row] = self._probs
            self._free.extend(range(grown.shape[0] - 1, row, -1))
            self._probs = grown
            if self._shadow is not None:
                self._shadow.grow(grown.shape[0])
            if self._smoother is not None:
                self._smoother.grow(grown.shape[0])
        if self._shadow is not None:
            self._shadow.reset(row)
        self._probs[row] = self._motion.prior
        track = _Track(row=row, born=tick)
        self._tracks[name] = track
        return track

    def _move(self, ticks: int) -> None:
        """Time passes: a shopper dwelling at a shelf stays, a walking one keeps heading
        (:class:`edge.presence.motion.Motion`), and each link's shadowing is forgotten a
        little."""
        active = np.array([tr.row for tr in self._tracks.values()], dtype=np.int64)
        probs = self._probs[active]
        for _ in range(min(ticks, _MAX_GAP_STEPS)):
            probs = self._motion.forward(probs)
        self._probs[active] = probs
        if self._shadow is not None:
            self._shadow.decay(active, ticks)

    def _weigh(
        self, rows: npt.NDArray[np.int64], track_rows: npt.NDArray[np.int64], now: float
    ) -> None:
        """Multiply in the likelihood of what was heard and of which gateways stayed silent."""
        eng = self.settings.engine
        gateway = rows // N_RSSI
        link = track_rows * self._n_gw + gateway
        uniq, inverse, counts = np.unique(link, return_inverse=True, return_counts=True)
        link_dev, link_gw = np.divmod(uniq, self._n_gw)
        if eng.joint_packets:
            # packets of one link in one tick share their shadowing: one observation, the
            # mean linear power of k packets, looked up in the table for k
            lin = 10.0 ** ((rows % N_RSSI + RSSI_MIN) / 10.0)
            mean_db = 10.0 * np.log10(np.bincount(inverse, weights=lin) / counts)
            k = np.minimum(counts, MAX_JOINT)
            new_dev = np.r_[True, link_dev[1:] != link_dev[:-1]]
            devs = link_dev[new_dev]
            if self._shadow is not None:
                ll = self._shadow.weigh(link_dev, link_gw, k, mean_db, self._mean32)
            else:
                ll = self.tables.joint[
                    ((k - 1) * self._n_gw + link_gw) * N_RSSI + rssi_index(mean_db)
                ]
            # sum each device's links (at most one per gateway): a padded sum beats reduceat
            by_gateway = np.zeros((devs.size, self._n_gw, ll.shape[1]), dtype=np.float32)
            by_gateway[np.cumsum(new_dev) - 1, link_gw] = ll
            loglik = by_gateway.sum(axis=1) * np.float32(eng.evidence_weight)
        else:
            # cap the joint weight of one link's packets in one tick
            weight = (
                eng.evidence_weight * np.minimum(1.0, eng.packets_per_link / counts[inverse])
            ).astype(np.float32)
            order = np.argsort(track_rows, kind="stable")
            sorted_rows = track_rows[order]
            starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
            devs = sorted_rows[starts]
            contrib = self.tables.heard[rows[order]] * weight[order][:, None]
            loglik = np.add.reduceat(contrib, starts, axis=0)
        if eng.miss_weight > 0:
            alive = self._gw_last >= now - GATEWAY_SILENT_S
            pos = np.searchsorted(devs, link_dev)
            heard = np.zeros((devs.size, self._n_gw), dtype=bool)
            heard[pos, link_gw] = True
            most = np.zeros(devs.size)
            np.maximum.at(most, pos, counts.astype(np.float64))
            adverts = np.minimum(most / (1.0 - eng.loss), eng.packets_per_link)
            silent = ((~heard & alive[None, :]) * adverts[:, None]).astype(np.float32)
            loglik += (eng.miss_weight * eng.evidence_weight) * (silent @ self.tables.miss)
        loglik -= loglik.max(axis=1, keepdims=True)
        lik = np.exp(loglik)
        post = self._probs[devs] * lik[:, None, :]
        post /= post.sum(axis=(1, 2), keepdims=True)
        self._probs[devs] = post
        if self._smoother is not None:
            self._smoother.evidence(devs, lik)

    def _decide(
        self, now: float, rows: npt.NDArray[np.int64], probs: npt.NDArray[np.float32]
    ) -> list[ZoneEvent]:
        """Zone changes at ``now`` of the ids in ``rows``, whose probabilities are ``probs``."""
        eng = self.settings.engine
        if rows.size == 0:
            return []
        zone_p = probs.sum(axis=1) @ self.grid.zone_matrix
        # flaps come from shoppers standing near a boundary, changes from walking ones:
        # the margin applies in full to a dwelling shopper and hardly to a walking one
        dwelling = probs[:, 0].sum(axis=1) / probs.sum(axis=(1, 2))
        margins = (eng.walk_margin + eng.switch_margin * dwelling**eng.dwell_power).tolist()
        by_row = {tr.row: (name, tr) for name, tr in self._tracks.items()}
        names = self.grid.zone_names
        events: list[ZoneEvent] = []
        for i, row in enumerate(rows.tolist()):
            name, tr = by_row[row]
            p = zone_p[i]
            best = int(p.argmax())
            if tr.zone < 0:
                tr.zone, tr.since, tr.candidate = best, now, -1
                events.append(ZoneEvent(ENTER, now, name, names[best]))
            elif best != tr.zone and p[best] - p[tr.zone] >= margins[i]:
                if tr.candidate != best:
                    tr.candidate, tr.candidate_since = best, now
                if now - tr.candidate_since >= eng.min_dwell_s:
                    events.append(ZoneEvent(EXIT, now, name, names[tr.zone], now - tr.since))
                    events.append(ZoneEvent(ENTER, now, name, names[best]))
                    tr.zone, tr.since, tr.candidate, tr.dwell_sent = best, now, -1, False
            else:
                tr.candidate = -1
            if not tr.dwell_sent and now - tr.since >= eng.dwell_event_s:
                tr.dwell_sent = True
                events.append(ZoneEvent(DWELL, now, name, names[tr.zone], now - tr.since))
        return events

    def _expire(self, now: float) -> list[ZoneEvent]:
        limit = now - self.settings.engine.lost_after_s
        gone = [name for name, tr in self._tracks.items() if tr.last_heard < limit]
        events: list[ZoneEvent] = []
        for name in gone:
            tr = self._tracks[name]
            if tr.zone >= 0:
                zone = self.grid.zone_names[tr.zone]
                events.append(ZoneEvent(EXIT, now, name, zone, now - tr.since, lost=True))
            self.forget(name)
        return events
