"""``instore-sim bench ble --json``: zone accuracy against two references, and filter speed.

A store of 3 x 2 zones of 100 m2 with no walls and 8 gateways; radio as in the
simulated world (exponent 3, sigma 6 dB correlated over 6 s, Rayleigh fading, 25 %
loss, 1-10 Hz adverts); shoppers walk between shelves and dwell. The zone engine and
both references (strongest reception in the last second; smoothed RSSI with
hysteresis) run on the same trace, replayed from the file the simulator wrote. The
filter speed is the scan-callback path on one core, for a mix of 80 % strangers, 15 %
roster tokens and 5 % store beacons, as real bleak objects.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import numpy as np
from tqdm import tqdm

from edge.presence.config import PresenceSettings
from edge.presence.frames import IBeacon
from edge.presence.replay import evaluate
from edge.presence.roster import RosterFilter
from edge.presence.trace import read_all
from protocol.ble_token import token_for
from simulators.ble_scanner import advert_mix
from simulators.ble_world import (
    RadioModel,
    open_plan_store,
    shoppers_day,
    write_trace,
    write_truth,
)

SHOPPERS: Final = 24
DURATION_S: Final = 1800.0  # 30 min: every shopper crosses at least one token window
START: Final = 1_767_225_600.0  # 2026-01-01T00:00Z
FILTER_ADVERTS: Final = 200_000
KEYS: Final = (
    "adverts_per_s",
    "zone_accuracy",
    "baseline_zone_accuracy",
    "smoothed_baseline_zone_accuracy",
    "zone_change_p50_s",
    "missed_change_rate",
    "flaps_per_change",
    "sigma_db",
)


def run_bench(seed: int = 7, sigma_db: float = 6.0, shoppers: int = SHOPPERS) -> dict[str, Any]:
    """The benchmark's figures (see the module docstring)."""
    rng = np.random.default_rng(seed)
    layout = open_plan_store()
    radio = RadioModel(sigma_db=sigma_db)
    steps = tqdm(total=4, desc="bench ble", file=sys.stderr, disable=None)
    rec, marks = shoppers_day(
        rng, layout=layout, radio=radio, count=shoppers, duration=DURATION_S, start=START
    )
    steps.update()
    with tempfile.TemporaryDirectory() as tmp:
        trace, truth_path = Path(tmp) / "bench.trace", Path(tmp) / "bench.truth"
        write_trace(trace, layout, rec)
        write_truth(truth_path, marks)
        header, chunk, names, _ = read_all(trace)
    steps.update()
    settings = PresenceSettings.from_header(header)
    result = evaluate(settings, chunk, names, list(header["gateways"]), marks)
    steps.update()
    rate = filter_rate(rng)
    steps.update()
    steps.close()
    return {
        "adverts_per_s": round(rate),
        "zone_accuracy": round(result.engine.zone_accuracy, 4),
        "baseline_zone_accuracy": round(result.strongest.zone_accuracy, 4),
        "smoothed_baseline_zone_accuracy": round(result.smoothed.zone_accuracy, 4),
        "zone_change_p50_s": round(result.engine.zone_change_p50_s, 2),
        "missed_change_rate": round(result.engine.missed_change_rate, 4),
        "flaps_per_change": round(result.engine.flaps_per_change, 3),
        "sigma_db": sigma_db,
    }


def filter_rate(rng: np.random.Generator, n: int = FILTER_ADVERTS) -> float:
    """Advertisements per second through the scan-callback filter, on this core."""
    prefix = bytes.fromhex("696e73746f726501")
    tokens = [token_for(rng.bytes(32), 1_963_000) for _ in range(200)]
    beacons = [IBeacon("f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, i, -59) for i in range(20)]
    mix = advert_mix(rng, prefix=prefix, tokens=tokens, beacons=beacons, n=n)
    flt = RosterFilter(prefix, [b.beacon_id for b in beacons])
    flt.set_tokens(tok.hex() for tok in tokens[:150])  # some phones' tokens are not on it
    admit = flt.admit
    started = time.perf_counter()
    for device, adv in mix:
        admit(adv, adv.rssi, 0.0, device.address)
    return n / (time.perf_counter() - started)
