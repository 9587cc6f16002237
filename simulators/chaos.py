"""``instore-sim chaos``: SIGKILL the edge, the hub and the broker, each several times,
while batches are unacknowledged; then count every event by id against the generators'
own record. Lost and duplicated must both be zero."""

from __future__ import annotations

import itertools
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from tqdm import tqdm

from edge.outbox import pending_events
from simulators.bench.delivery import count_delivery
from simulators.errors import SimError
from simulators.fleet import SimStore

DEVICES: Final = 2
RATE: Final = 4000  # events/s per device: the backlog is never empty when a kill lands
DRAIN_TIMEOUT_S: Final = 300.0


def _unacknowledged(store: SimStore, device: str) -> int:
    return pending_events(store.root / "edge" / device / "outbox.db")


class Chaos:
    def __init__(self, store: SimStore, events: int, seed: int) -> None:
        self.store = store
        self.per_device = events // DEVICES
        self.rng = random.Random(seed)
        self.devices = store.device_ids()[:DEVICES]
        self.records = {d: store.root / f"record-{d}.txt" for d in self.devices}
        self.kills = {"edge": 0, "hub": 0, "broker": 0}

    def start_device(self, device: str) -> None:
        self.store.start_device(
            device,
            [
                "--bench",
                "--rate",
                str(RATE),
                "--events",
                str(self.per_device),
                "--record",
                str(self.records[device]),
                "--exit-when-drained",
            ],
        )

    def kill(self, part: str) -> bool:
        """SIGKILL one part if some batch is unacknowledged right now; restart it."""
        live = [d for d in self.devices if self.store.devices[d].poll() is None]
        if not any(_unacknowledged(self.store, d) for d in live):
            return False
        if part == "edge":
            if not live:
                return False
            device = self.rng.choice(live)
            self.store.devices[device].kill()
            self.store.devices[device].wait()
            time.sleep(self.rng.uniform(0.1, 0.5))
            self.start_device(device)
        elif part == "hub":
            self.store.kill_hub()
            time.sleep(self.rng.uniform(0.1, 0.5))
            self.store.start_hub()
        else:
            broker = self.store.kill_broker()
            time.sleep(self.rng.uniform(0.1, 0.5))
            broker.start()
        self.kills[part] += 1
        return True

    def run(self, kills_each: int) -> None:
        for device in self.devices:
            self.start_device(device)
        parts = itertools.cycle(("edge", "hub", "broker"))
        total = kills_each * 3
        with tqdm(total=total, desc="kills", file=sys.stderr) as bar:
            while sum(self.kills.values()) < total:
                time.sleep(self.rng.uniform(0.8, 1.6))
                part = next(parts)
                if self.kills[part] >= kills_each:
                    continue
                self.check_exits()
                if not self.kill(part):
                    if all(self.store.devices[d].poll() is not None for d in self.devices):
                        # Everything drained before all kills landed: generate more.
                        self.per_device += 10_000
                        for device in self.devices:
                            self.start_device(device)
                    continue
                bar.update(1)
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while any(self.store.devices[d].poll() is None for d in self.devices):
            if time.monotonic() > deadline:
                raise SimError("the edges did not drain after the last kill")
            time.sleep(0.2)
        self.check_exits()

    def check_exits(self) -> None:
        """A device that ended by itself must have drained cleanly."""
        for device in self.devices:
            code = self.store.devices[device].poll()
            if code not in (None, 0):
                log = self.store.root / "logs" / f"{device}.log"
                raise SimError(f"{device} exited with status {code}; see {log}")


def run_chaos(events: int, kills: int, seed: int, keep: Path | None = None) -> dict[str, Any]:
    """Run a store (in ``keep``, or a temporary directory), SIGKILL each part at least
    ``kills`` times while batches are unacknowledged, then count every event by id."""
    with tempfile.TemporaryDirectory(prefix="instore-chaos-") as tmp:
        root = keep or Path(tmp) / "store"
        store = SimStore(root, kiosks=DEVICES, gateways=0)
        chaos = Chaos(store, events, seed)
        try:
            store.setup()
            store.start_hub()
            chaos.run(kills)
        finally:
            store.stop()
        delivery = count_delivery(chaos.records.values(), store.home.db_path, "bench")
    return {
        "events": delivery.recorded,
        "kills": sum(chaos.kills.values()),
        "lost": delivery.lost,
        "duplicated": delivery.duplicated,
        "kills_by_part": chaos.kills,
        "unrecorded": delivery.unrecorded,
    }
