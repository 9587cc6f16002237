"""What a gateway's scanner sees in the simulated world: real bleak ``BLEDevice`` and
``AdvertisementData`` objects, strangers included, played by :class:`SimulatedBleScanner`,
which implements the same ``BleScanner`` port as the bleak backend.

Strangers' phones, watches and headphones advertise with addresses that rotate about
every 15 minutes: they reach the scan callback exactly as real ones do, and the filter
must drop them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from edge.ports import DetectionCallback
from edge.presence.config import PresenceSettings
from edge.presence.frames import (
    APPLE_COMPANY_ID,
    IBeacon,
    ibeacon_bytes,
)
from protocol.ble_token import service_uuid, window_of
from protocol.models import Roster
from simulators.air import PlayingScanner, Timed
from simulators.ble_world import (
    ADDRESS_ROTATION_S,
    RadioModel,
    Receptions,
    make_phones,
    open_plan_store,
    simulate,
)
from simulators.errors import SimError

_STRANGER_KINDS: Final = ("iphone", "android", "watch", "headphones", "laptop")


def stranger_advert(rng: np.random.Generator, kind: str) -> AdvertisementData:
    """An advertisement like those of strangers' devices (never on the roster)."""
    md: dict[int, bytes] = {}
    sd: dict[str, bytes] = {}
    su: list[str] = []
    if kind == "iphone":  # Apple continuity "nearby info"
        md[APPLE_COMPANY_ID] = b"\x10\x05" + rng.bytes(5)
    elif kind == "android":  # Google Fast Pair / exposure-notification style service data
        sd["0000fe2c-0000-1000-8000-00805f9b34fb"] = rng.bytes(6)
        su.append("0000fd6f-0000-1000-8000-00805f9b34fb")
    elif kind == "watch":  # Garmin, with a vendor 128-bit service
        md[0x0087] = rng.bytes(8)
        su.append("6a4e3e10-667b-11e3-949a-0800200c9a66")
    elif kind == "headphones":  # AirPods proximity pairing, Sony
        md[APPLE_COMPANY_ID if rng.random() < 0.5 else 0x012D] = b"\x07\x19" + rng.bytes(25)
    else:  # Microsoft swift pair
        md[0x0006] = b"\x03\x00\x80" + rng.bytes(6)
    return AdvertisementData(None, md, sd, su, None, int(rng.integers(-100, -40)), ())


def token_advert(prefix: bytes, token: bytes, rssi: int) -> AdvertisementData:
    """An opted-in phone's advertisement: the token service UUID (docs/ble-token.md)."""
    return AdvertisementData(None, {}, {}, [service_uuid(prefix, token)], None, rssi, ())


def ibeacon_advert(beacon: IBeacon, rssi: int) -> AdvertisementData:
    return AdvertisementData(
        None, {APPLE_COMPANY_ID: ibeacon_bytes(beacon)}, {}, [], None, rssi, ()
    )


def random_address(rng: np.random.Generator) -> str:
    raw = bytearray(rng.bytes(6))
    raw[0] = (raw[0] & 0x3F) | 0x40  # resolvable private address: top bits 01
    return ":".join(f"{b:02X}" for b in raw)


def advert_mix(
    rng: np.random.Generator,
    *,
    prefix: bytes,
    tokens: list[bytes],
    beacons: list[IBeacon],
    n: int,
    strangers: float = 0.80,
    roster: float = 0.15,
) -> list[tuple[BLEDevice, AdvertisementData]]:
    """``n`` (device, advertisement) pairs: strangers, roster tokens and store beacons."""
    out = []
    stranger_addr = [random_address(rng) for _ in range(500)]
    for _ in range(n):
        u = rng.random()
        rssi = int(rng.integers(-100, -40))
        if u < strangers:
            kind = _STRANGER_KINDS[int(rng.integers(len(_STRANGER_KINDS)))]
            addr = stranger_addr[int(rng.integers(len(stranger_addr)))]
            out.append((BLEDevice(addr, None, None), stranger_advert(rng, kind)))
        elif u < strangers + roster:
            tok = tokens[int(rng.integers(len(tokens)))]
            out.append(
                (BLEDevice(random_address(rng), None, None), token_advert(prefix, tok, rssi))
            )
        else:
            b = beacons[int(rng.integers(len(beacons)))]
            out.append((BLEDevice("C0:FF:EE:00:00:01", None, None), ibeacon_advert(b, rssi)))
    return out


def gateway_stream(
    rec: Receptions,
    gateway: int,
    *,
    prefix: bytes,
    rng: np.random.Generator,
    strangers_per_token: float = 4.0,
    beacons: Sequence[IBeacon] = (),
) -> list[Timed]:
    """What gateway ``gateway`` hears, as bleak would hand it over, in time order.

    The phones' token adverts it received, strangers' devices (``strangers_per_token``
    adverts per token advert, from a crowd whose addresses rotate every 15 minutes) and
    each store beacon once a second.
    """
    mine = rec.gateway == gateway
    t_tok, id_tok, rssi_tok = rec.t[mine], rec.ident[mine], rec.rssi[mine]
    out: list[Timed] = []
    for t, i, r in zip(t_tok.tolist(), id_tok.tolist(), rssi_tok.tolist(), strict=True):
        tok = bytes.fromhex(rec.names[i])
        out.append((t, BLEDevice(random_address(rng), None, None), token_advert(prefix, tok, r)))
    if t_tok.size:
        t0, t1 = float(t_tok[0]), float(t_tok[-1])
        crowd = [random_address(rng) for _ in range(200)]
        kinds = [
            _STRANGER_KINDS[int(k)] for k in rng.integers(len(_STRANGER_KINDS), size=len(crowd))
        ]
        n = int(strangers_per_token * t_tok.size)
        for t in np.sort(rng.uniform(t0, t1, n)).tolist():
            who = int(rng.integers(len(crowd)))
            if rng.random() < 1.0 / ADDRESS_ROTATION_S:  # about one new address per 15 min
                crowd[who] = random_address(rng)
            device = BLEDevice(crowd[who], None, None)
            out.append((t, device, stranger_advert(rng, kinds[who])))
        for k, beacon in enumerate(beacons):
            address = f"C0:FF:EE:00:{k >> 8:02X}:{k & 0xFF:02X}"
            for t in np.arange(t0, t1, 1.0).tolist():
                rssi = int(rng.normal(-75.0, 5.0))
                out.append((t, BLEDevice(address, None, None), ibeacon_advert(beacon, rssi)))
    out.sort(key=lambda item: item[0])
    return out


class SimulatedBleScanner(PlayingScanner):
    """The ``BleScanner`` port over timed (device, advertisement) pairs, played with
    ``interval_s`` between them (0: as fast as the loop runs). :meth:`now` is the
    simulated time of the advertisement being delivered: the agent's clock.
    """

    def __init__(self, adverts: Iterable[Timed], interval_s: float = 0.0) -> None:
        super().__init__()
        self._adverts = adverts
        self._interval = interval_s
        self._now = 0.0

    def now(self) -> float:
        return self._now

    async def _play(self, callback: DetectionCallback) -> None:
        for i, (t, device, adv) in enumerate(self._adverts):
            self._now = t
            callback(device, adv)
            if self._interval > 0:
                await asyncio.sleep(self._interval)
            elif i % 256 == 255:
                await asyncio.sleep(0)


def simulated_feed(
    seed: int, gateway: str, seconds: float
) -> tuple[PresenceSettings, Roster, SimulatedBleScanner]:
    """What ``instore-sim ble-record`` records: one gateway of the simulated store.

    Six opted-in shoppers (their tokens make the roster), a crowd of strangers and two
    store beacons, for ``seconds`` (default 5 minutes) of simulated time.
    """
    rng = np.random.default_rng(seed)
    layout = open_plan_store()
    names = [g.name for g in layout.gateways]
    if gateway not in names:
        raise SimError(f"the simulated store has gateways {', '.join(names)}, not {gateway!r}")
    radio = RadioModel()
    start = 1_767_225_600.0 + 60.0
    phones = make_phones(
        rng, layout=layout, radio=radio, count=6, duration=seconds or 300.0, start=start
    )
    rec = simulate(layout, radio=radio, phones=phones, rng=rng)
    beacons = [IBeacon("f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, i, -59) for i in (1, 2)]
    settings = PresenceSettings.from_header(layout.header(), beacons=[b.beacon_id for b in beacons])
    roster = Roster(
        windows=sorted({window_of(float(t)) for t in rec.t[:1]}), tokens=sorted(rec.names)
    )
    prefix = bytes.fromhex(settings.chain_prefix)
    stream = gateway_stream(rec, names.index(gateway), prefix=prefix, rng=rng, beacons=beacons)
    return settings, roster, SimulatedBleScanner(stream)
