"""``instore-sim bench footprint``: what the commands cost to start and what each part
of a store holds in memory, from real processes.

- ``help_s``: each command's ``--help``, the median of 5 warm runs.
- A store on this machine: Mosquitto, the hub (``instore-hub run``), a kiosk with its
  real screen fed by a simulated camera, and gateways built as ``instore-edge run``
  builds them (edge/presence/device.py) whose radios play recorded air: opted-in phones
  (switched on at the hub's consent center) walking the store among strangers' devices
  and store beacons. After ``seconds`` of scanning, filtering, zoning, batching and
  acknowledged uploads, the peak resident memory (VmHWM) of each process.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

from simulators.errors import SimError
from simulators.fleet import SimStore
from simulators.net import free_port, wait_for_port
from simulators.walking import walk_in, zone_events

COMMANDS: Final = (
    ("instore-edge",),
    ("instore-edge", "run"),
    ("instore-hub",),
    ("instore-sim",),
    ("instore-config",),
)
WARM_RUNS: Final = 5
START_S: Final = 20.0  # the processes start, connect and get the roster before the air does
GATEWAYS: Final = 5  # the walking store's (simulators/walking.py)


def help_seconds(bin_dir: Path) -> dict[str, float]:
    """Each command's ``--help``: one run to warm the disk cache, then the median of 5."""
    out = {}
    for command in COMMANDS:
        argv = [str(bin_dir / command[0]), *command[1:], "--help"]
        times = []
        for i in range(WARM_RUNS + 1):
            began = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, timeout=60)  # noqa: S603
            if i:
                times.append(time.perf_counter() - began)
        out[" ".join(command)] = round(statistics.median(times), 3)
    return out


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise SimError(f"no VmHWM for process {pid}")


def run_footprint(
    root: Path, *, seconds: float = 60.0, shoppers: int = 12, seed: int = 1
) -> dict[str, Any]:
    """Start the store, let it work for ``seconds``, and read every process's peak."""
    bin_dir = Path(sys.executable).parent
    figures: dict[str, Any] = {"help_s": help_seconds(bin_dir)}
    store = SimStore(root, kiosks=1, gateways=GATEWAYS)
    try:
        store.setup()
        store.start_hub()
        walking = walk_in(store, shoppers=shoppers, seconds=seconds, seed=seed, lead_s=START_S)
        screen = free_port()
        hub_url = store.dashboard_url.rstrip("/")
        kiosk = store.start_device("kiosk-1", ["--screen", str(screen), "--hub-url", hub_url])
        if not wait_for_port("127.0.0.1", screen, 60):
            raise SimError("the kiosk screen did not start")
        time.sleep(max(0.0, walking.starts + seconds - time.time()))
        for name, proc in store.devices.items():
            if proc.poll() is not None:
                raise SimError(f"{name} ended early; see {root / 'logs' / name}.log")
        gateways = [
            peak_rss_mb(proc.pid) for name, proc in store.devices.items() if name != "kiosk-1"
        ]
        if store.hub is None:
            raise SimError("the hub is not running")
        figures |= {
            "gateway_rss_mb": max(gateways),
            "kiosk_rss_mb": peak_rss_mb(kiosk.pid),
            "hub_rss_mb": peak_rss_mb(store.hub.pid),
            "zone_events": zone_events(store.home.db_path),
        }
    finally:
        store.stop()
    shutil.rmtree(root, ignore_errors=True)
    return figures
