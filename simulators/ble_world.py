"""A simulated BLE world that is honest about radio.

Store geometry (zones without walls), gateways, shoppers walking between shelves and
dwelling there, a staff walk that marks "I am in zone X now". RSSI follows a
log-distance model (-59 dBm at 1 m, exponent 2.5-3.5) plus shadowing that is
Gaussian in dB and correlated in time per link (a Gauss-Markov process), Rayleigh fast
fading per packet, random packet loss and the receiver's floor. Phones advertise at
1-10 Hz; their tokens change every 15-minute window. Strangers' phones, watches and
headphones advertise too, with addresses that rotate about every 15 minutes: they
reach the scan callback exactly as real ones do, and the filter must drop them.

Traces follow the format in docs/architecture.md; what a gateway's scanner sees of this world (bleak
objects, strangers included) is in :mod:`simulators.ble_scanner`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import orjson
from scipy.signal import lfilter

from protocol.ble_token import token_for, window_of
from simulators.errors import SimError

TRACE_KIND: Final = "instore-ble-trace"
ADDRESS_ROTATION_S: Final = 900.0  # phones rotate their random address about every 15 min
PHONE_HEIGHT_M: Final = 1.2
GATEWAY_HEIGHT_M: Final = 2.7
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RadioModel:
    """How the simulated radio behaves; the defaults are the issue's bench conditions."""

    exponent: float = 3.0
    ref_power_dbm: float = -59.0  # at 1 m
    sigma_db: float = 6.0  # shadowing
    correlation_s: float = 6.0  # shadowing time constant per link (>= 5 s)
    fading: bool = True  # Rayleigh, per packet
    loss: float = 0.25
    advert_hz: tuple[float, float] = (1.0, 10.0)  # each phone draws its rate from this range
    sensitivity_dbm: float = -98.0
    ref_offset_db: float = 0.0  # each gateway's real 1 m power is off by +-this from the config


@dataclass(frozen=True)
class Gateway:
    name: str
    zone: str
    x: float
    y: float
    level: int = 0


@dataclass(frozen=True)
class StoreLayout:
    """Zones (axis-aligned rectangles here) and gateways, in metres."""

    zones: dict[str, tuple[float, float, float, float]]  # name -> (x0, y0, x1, y1)
    gateways: list[Gateway]

    @property
    def size(self) -> tuple[float, float]:
        return (max(z[2] for z in self.zones.values()), max(z[3] for z in self.zones.values()))

    def zone_at(self, x: FloatArray, y: FloatArray) -> npt.NDArray[np.int64]:
        out = np.full(x.shape, -1, dtype=np.int64)
        for i, (x0, y0, x1, y1) in enumerate(self.zones.values()):
            out[(out < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)] = i
        return out

    def header(self) -> dict[str, Any]:
        """The trace header (format: docs/architecture.md)."""
        return {
            "kind": TRACE_KIND,
            "version": 1,
            "gateways": {
                g.name: {"zone": g.zone, "x": g.x, "y": g.y, "level": g.level}
                for g in self.gateways
            },
            "zones": {
                name: {"polygon": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "level": 0}
                for name, (x0, y0, x1, y1) in self.zones.items()
            },
        }


def open_plan_store(
    cols: int = 3, rows: int = 2, zone_m: float = 10.0, corner_gateways: bool = False
) -> StoreLayout:
    """``cols x rows`` zones of ``zone_m`` square, no walls, and their gateways.

    Gateways hang over each zone's centre and over the inner corners where four zones
    meet (3 x 2 zones: 6 + 2 = 8 gateways), or (``corner_gateways``) at the store's
    corners and wall midpoints, as an integrator often mounts them when only the walls
    have power.
    """
    names = ["dairy", "bakery", "produce", "drinks", "household", "frozen", "deli", "pharmacy"]
    zones: dict[str, tuple[float, float, float, float]] = {}
    for r in range(rows):
        for c in range(cols):
            name = names[r * cols + c] if r * cols + c < len(names) else f"zone-{r}-{c}"
            zones[name] = (c * zone_m, r * zone_m, (c + 1) * zone_m, (r + 1) * zone_m)
    width, depth = cols * zone_m, rows * zone_m
    if corner_gateways:
        spots = [(0.3, 0.3), (width / 2, 0.3), (width - 0.3, 0.3), (width - 0.3, depth / 2),
                 (width - 0.3, depth - 0.3), (width / 2, depth - 0.3), (0.3, depth - 0.3),
                 (0.3, depth / 2)]  # fmt: skip
    else:
        spots = [((c + 0.5) * zone_m, (r + 0.5) * zone_m) for r in range(rows) for c in range(cols)]
        spots += [(c * zone_m, r * zone_m) for r in range(1, rows) for c in range(1, cols)]
    layout = StoreLayout(zones, [])
    gws = []
    for i, (x, y) in enumerate(spots):
        zi = int(layout.zone_at(np.array([x]), np.array([y]))[0])
        gws.append(Gateway(f"gw-{i + 1}", list(zones)[zi], round(x, 2), round(y, 2)))
    return StoreLayout(zones, gws)


@dataclass
class Walk:
    """A piecewise-linear path: positions at ``times`` (walk legs and dwells)."""

    times: FloatArray
    xs: FloatArray
    ys: FloatArray

    def at(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        return np.interp(t, self.times, self.xs), np.interp(t, self.times, self.ys)


def shopper_walk(
    rng: np.random.Generator, layout: StoreLayout, start: float, duration: float
) -> Walk:
    """A shopper: walk at 0.6-1.3 m/s to a shelf anywhere on the floor, dwell 5-60 s."""
    width, depth = layout.size
    t, x, y = start, rng.uniform(0.5, width - 0.5), rng.uniform(0.5, depth - 0.5)
    times, xs, ys = [t], [x], [y]
    while t < start + duration:
        nx, ny = rng.uniform(0.5, width - 0.5), rng.uniform(0.5, depth - 0.5)
        t += math.hypot(nx - x, ny - y) / rng.uniform(0.6, 1.3)
        x, y = nx, ny
        times.append(t)
        xs.append(x)
        ys.append(y)
        t += rng.uniform(5.0, 60.0)
        times.append(t)
        xs.append(x)
        ys.append(y)
    return Walk(np.array(times), np.array(xs), np.array(ys))


def staff_walk(
    rng: np.random.Generator, layout: StoreLayout, start: float, stops_per_zone: int = 3
) -> Walk:
    """The calibration walk: every zone in turn, a few spots in each, 8-20 s at each."""
    t = start
    times: list[float] = []
    xs: list[float] = []
    ys: list[float] = []
    x = y = None
    for x0, y0, x1, y1 in layout.zones.values():
        for _ in range(stops_per_zone):
            nx, ny = rng.uniform(x0 + 1.0, x1 - 1.0), rng.uniform(y0 + 1.0, y1 - 1.0)
            if x is not None and y is not None:
                t += math.hypot(nx - x, ny - y) / 1.0
            x, y = nx, ny
            times.append(t)
            xs.append(x)
            ys.append(y)
            t += rng.uniform(8.0, 20.0)
            times.append(t)
            xs.append(x)
            ys.append(y)
    return Walk(np.array(times), np.array(xs), np.array(ys))


def truth_marks(
    layout: StoreLayout, walk: Walk, ident_at: Callable[[float], str], step: float = 0.1
) -> list[dict[str, Any]]:
    """Ground truth as marks ``{"t", "id", "zone"}``: one whenever the zone changes.

    When the id changes (a new token window) or the walk ends, the old id gets a mark
    with ``zone`` null.
    """
    t = np.arange(walk.times[0], walk.times[-1], step)
    zones = layout.zone_at(*walk.at(t))
    names = list(layout.zones)
    out: list[dict[str, Any]] = []
    last: tuple[str, int] | None = None
    for ti, zi in zip(t.tolist(), zones.tolist(), strict=True):
        ident = ident_at(ti)
        if last is not None and ident != last[0]:
            out.append({"t": round(ti, 2), "id": last[0], "zone": None})
        if zi >= 0 and (ident, zi) != last:
            out.append({"t": round(ti, 2), "id": ident, "zone": names[zi]})
            last = (ident, zi)
    if last is not None:
        out.append({"t": round(float(walk.times[-1]), 2), "id": last[0], "zone": None})
    return out


@dataclass
class Phone:
    """An opted-in phone: a key (its token changes every window) and an advert rate."""

    key: bytes
    hz: float
    walk: Walk

    def token_at(self, t: float) -> str:
        return token_for(self.key, window_of(t)).hex()


@dataclass
class Receptions:
    """Receptions in time order: what the gateways kept (tokens and store beacons)."""

    t: FloatArray
    gateway: npt.NDArray[np.int64]
    ident: npt.NDArray[np.int64]
    rssi: npt.NDArray[np.int64]
    names: list[str] = field(default_factory=list)
    ref_offsets_db: FloatArray = field(default_factory=lambda: np.zeros(0))  # per gateway, truth


def simulate(
    layout: StoreLayout,
    *,
    radio: RadioModel,
    phones: list[Phone],
    rng: np.random.Generator,
) -> Receptions:
    """Every reception of every phone's adverts at every gateway, honest radio."""
    gx = np.array([g.x for g in layout.gateways])
    gy = np.array([g.y for g in layout.gateways])
    offsets = rng.choice([-1.0, 1.0], size=len(gx)) * radio.ref_offset_db
    parts: list[tuple[FloatArray, ...]] = []
    names: list[str] = []
    index: dict[str, int] = {}
    for phone in phones:
        start, end = float(phone.walk.times[0]), float(phone.walk.times[-1])
        period = 1.0 / phone.hz
        n = int((end - start) / period)
        if n <= 0:
            continue
        # BLE adds 0-10 ms of random delay to every advertising event
        t = start + np.arange(n) * period + rng.uniform(0.0, 0.01, n)
        x, y = phone.walk.at(t)
        dz = GATEWAY_HEIGHT_M - PHONE_HEIGHT_M
        d = np.sqrt((x[:, None] - gx) ** 2 + (y[:, None] - gy) ** 2 + dz**2)
        mean = radio.ref_power_dbm + offsets - 10.0 * radio.exponent * np.log10(np.maximum(d, 1.0))
        rho = math.exp(-period / radio.correlation_s)
        noise = rng.normal(0.0, radio.sigma_db * math.sqrt(1 - rho * rho), (n, len(gx)))
        noise[0] = rng.normal(0.0, radio.sigma_db, len(gx))
        shadow = lfilter([1.0], [1.0, -rho], noise, axis=0)
        rssi = mean + shadow
        if radio.fading:
            rssi = rssi + 10.0 * np.log10(rng.exponential(1.0, (n, len(gx))))
        heard = (rng.random((n, len(gx))) >= radio.loss) & (rssi >= radio.sensitivity_dbm)
        ai, gi = np.nonzero(heard)
        windows = np.floor(t[ai] / 900.0).astype(np.int64)
        ident = np.empty(ai.size, dtype=np.int64)
        for w in np.unique(windows).tolist():
            tok = token_for(phone.key, int(w)).hex()
            ident[windows == w] = index.setdefault(tok, len(index))
            if len(names) < len(index):
                names.append(tok)
        parts.append(
            (t[ai], gi.astype(np.float64), ident.astype(np.float64), np.rint(rssi[ai, gi]))
        )
    if not parts:
        empty = np.zeros(0)
        return Receptions(
            empty, empty.astype(np.int64), empty.astype(np.int64), empty.astype(np.int64)
        )
    t_all = np.concatenate([p[0] for p in parts])
    order = np.argsort(t_all, kind="stable")
    return Receptions(
        t_all[order],
        np.concatenate([p[1] for p in parts])[order].astype(np.int64),
        np.concatenate([p[2] for p in parts])[order].astype(np.int64),
        np.concatenate([p[3] for p in parts])[order].astype(np.int64),
        names,
        offsets,
    )


def make_phones(
    rng: np.random.Generator,
    *,
    layout: StoreLayout,
    radio: RadioModel,
    count: int,
    duration: float,
    start: float,
    hz: float | None = None,
) -> list[Phone]:
    """``count`` opted-in shoppers entering over the first third of ``duration``."""
    phones = []
    for _ in range(count):
        enter = start + rng.uniform(0.0, duration / 3)
        rate = hz if hz is not None else rng.uniform(*radio.advert_hz)
        walk = shopper_walk(rng, layout, enter, start + duration - enter)
        phones.append(Phone(rng.bytes(32), rate, walk))
    return phones


def shoppers_day(
    rng: np.random.Generator,
    *,
    layout: StoreLayout,
    radio: RadioModel,
    count: int,
    duration: float,
    start: float,
    hz: float | None = None,
) -> tuple[Receptions, list[dict[str, Any]]]:
    """``count`` shoppers' receptions (:func:`make_phones`) and their ground truth, the
    marks in time order."""
    phones = make_phones(
        rng, layout=layout, radio=radio, count=count, duration=duration, start=start, hz=hz
    )
    rec = simulate(layout, radio=radio, phones=phones, rng=rng)
    marks = [m for p in phones for m in truth_marks(layout, p.walk, p.token_at)]
    return rec, sorted(marks, key=lambda m: float(m["t"]))


def write_trace(path: Path, layout: StoreLayout, rec: Receptions) -> int:
    """Write a trace (format: docs/architecture.md); returns the number of receptions written."""
    gw_names = [g.name for g in layout.gateways]
    with path.open("wb") as out:
        out.write(orjson.dumps(layout.header()) + b"\n")
        lines = (
            orjson.dumps({"t": round(t, 3), "gateway": gw_names[g], "id": rec.names[i], "rssi": r})
            for t, g, i, r in zip(
                rec.t.tolist(),
                rec.gateway.tolist(),
                rec.ident.tolist(),
                rec.rssi.tolist(),
                strict=True,
            )
        )
        out.write(b"\n".join(lines))
        out.write(b"\n")
    return int(rec.t.size)


def write_truth(path: Path, marks: list[dict[str, Any]]) -> None:
    marks = sorted(marks, key=lambda m: m["t"])
    path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in marks))


def write_world(
    trace: Path,
    truth: Path,
    *,
    radio: RadioModel,
    walks: int,
    shoppers: int,
    minutes: float,
    hz: float,
    corner_gateways: bool,
    seed: int,
) -> tuple[int, int]:
    """Simulate ``walks`` staff walks one after another and ``shoppers`` opted-in shoppers
    shopping for ``minutes`` meanwhile, every phone advertising at ``hz``; write the trace
    and its ground truth. Returns the receptions and the marks written."""
    if not 0.0 <= radio.loss < 1.0 or hz <= 0 or walks < 0 or shoppers < 0:
        raise SimError("loss is in [0, 1), hz is positive, walks and shoppers are not negative")
    if walks + shoppers == 0:
        raise SimError("nothing to simulate: give --walks or --shoppers")
    rng = np.random.default_rng(seed)
    layout = open_plan_store(corner_gateways=corner_gateways)
    start = 1_767_225_600.0 + 60.0
    phones: list[Phone] = []
    t = start
    for _ in range(walks):
        walk = staff_walk(rng, layout, t)
        phones.append(Phone(rng.bytes(32), hz, walk))
        t = float(walk.times[-1]) + 30.0
    if shoppers:
        phones += make_phones(
            rng, layout=layout, radio=radio, count=shoppers,
            duration=minutes * 60.0, start=start, hz=hz,
        )  # fmt: skip
    rec = simulate(layout, radio=radio, phones=phones, rng=rng)
    marks = [m for p in phones for m in truth_marks(layout, p.walk, p.token_at)]
    try:
        n = write_trace(trace, layout, rec)
        write_truth(truth, marks)
    except OSError as exc:
        raise SimError(f"cannot write: {exc.strerror}") from exc
    return n, len(marks)
