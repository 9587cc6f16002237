"""``instore-sim privacy-audit --json``: run a simulated store, then look for leaks.

At least 200 shoppers (about a quarter opt in to something, purposes mixed), strangers'
phones with rotating addresses, at least 200 withdrawals and 20 erasures while events
flow through 20 edge agents. Afterwards every MQTT message (a subscriber on ``#``) and
the raw bytes of every file the run left are judged by :mod:`simulators.privacy_scan`.

Prints ``{"leaks", "checked", "withdrawals", "withdrawal_p99_ms", "shredded_readable"}``.
A withdrawal is timed from the phone page's switch (the HTTPS request) to the last
edge's ``cmdack`` of the purge at the hub.
"""

from __future__ import annotations

import base64
import logging
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any, Final

import numpy as np
from tqdm import tqdm

from hub.consent import backup
from hub.consent.registry import ConsentRegistry
from hub.consent.shredding import keystore_path
from protocol.purposes import Purpose
from simulators.errors import SimError
from simulators.privacy_scan import Artifacts, judge
from simulators.privacy_store import (
    OPT_IN_RATE,
    PURPOSE_RATES,
    AuditStore,
    Shopper,
    marker,
)

TICK_S: Final = 0.25  # traffic rounds: four a second at every edge (a busy store, not a bench)


def run_audit(
    root: Path, *, shoppers: int, withdrawals: int, erasures: int, devices: int, seed: int
) -> tuple[dict[str, Any], list[str]]:
    """Run the store, withdraw and erase while events flow, stop, judge."""
    store = AuditStore(root, devices=devices, seed=seed)
    rng = store.rng
    people = [Shopper(f"shopper-{i:04d}", marker(rng)) for i in range(shoppers)]
    for p in people:
        store.truth.markers[p.marker.encode()] = p.name
    opted = [p for p in people if rng.random() < OPT_IN_RATE]
    strangers = [p for p in people if p not in opted]
    bar = tqdm(total=len(opted) + withdrawals + erasures, desc="privacy audit", file=sys.stderr)
    campaign = _Campaign(store, opted, strangers, bar)
    log: logging.Handler | None = None
    try:
        store.start()
        log = _log_to(root / "logs" / "audit.log")
        campaign.register()
        campaign.run(withdrawals, erasures)
    finally:
        campaign.stop.set()
        bar.close()
        store.stop()
        if log is not None:
            logging.getLogger().removeHandler(log)
            log.close()
    for p in opted:
        if p.erased:
            store.truth.erased_sealed.extend(store.sealed_of(p.name))
        elif Purpose.PRESENCE in p.on:
            store.truth.presence_at_end.add(p.name)
    # Time passes: every key-store copy made before the erasures expires and is deleted.
    later = time.time() + (store.keep_key_days + 1) * 86400
    backup.prune(store.home, later)
    verdict = judge(_artifacts(store), store.truth)
    latencies = campaign.latencies
    p99 = float(np.percentile(latencies, 99)) if latencies else 0.0
    result = {
        "leaks": verdict.total,
        "checked": verdict.checked,
        "withdrawals": len(latencies),
        "withdrawal_p99_ms": round(p99, 1),
        "shredded_readable": verdict.shredded_readable,
    }
    detail = [
        f"leaks by kind: {verdict.leaks}",
        *_run_summary(store),
        *store.errors,
        *verdict.examples,
    ]
    return result, detail


def _run_summary(store: AuditStore) -> list[str]:
    """What the run did at the hub (read after the judge, so it changes nothing judged)."""
    db = sqlite3.connect(f"file:{store.home.db_path}?mode=ro", uri=True)
    try:
        stored = db.execute(
            "SELECT COUNT(*), COUNT(subject), SUM(subject IS NULL AND purpose IS NOT NULL) "
            "FROM events"
        ).fetchone()
        letters = dict(db.execute("SELECT reason, COUNT(*) FROM dead_letters GROUP BY reason"))
    finally:
        db.close()
    registry = ConsentRegistry(store.home)
    try:
        chains = ", ".join(
            f"{r.table} {r.entries} entries {'ok' if r.ok else 'BROKEN'}" for r in registry.verify()
        )
    finally:
        registry.close()
    return [
        f"events stored: {stored[0]} ({stored[1]} personal, {stored[2]} cleared by erasure)",
        f"dead letters: {letters}",
        f"chains: {chains}",
    ]


class _Campaign:
    """The shoppers' side of the run: opt-ins, then withdrawals, re-grants and erasures
    on the phone pages while the traffic thread keeps every edge busy."""

    def __init__(
        self, store: AuditStore, opted: list[Shopper], strangers: list[Shopper], bar: tqdm[Any]
    ) -> None:
        self.store = store
        self.opted = opted
        self.strangers = strangers
        self.bar = bar
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.erased = 0

    def register(self) -> None:
        rng = self.store.rng
        for p in self.opted:
            wanted = [q for q, rate in PURPOSE_RATES.items() if rng.random() < rate]
            self.store.visit(p)
            self.store.opt_in(p, wanted or [rng.choice(list(Purpose))])
            self.bar.update()
        for p in rng.sample(self.strangers, min(40, len(self.strangers))):
            self.store.visit(p)  # strangers may look at the page and switch nothing on

    def run(self, withdrawals: int, erasures: int) -> None:
        store = self.store
        traffic = threading.Thread(target=self._traffic, name="traffic", daemon=True)
        traffic.start()
        erase_every = max(1, withdrawals // max(1, erasures + 1))
        backups = {erase_every // 2, withdrawals // 2}  # before the first erasure, mid-run
        last = -1
        while len(self.latencies) < withdrawals:
            done = len(self.latencies)
            if done != last:
                last = done
                if done in backups:
                    backup.make_backup(store.home, time.time(), store.keep_key_days)
                if self.erased < erasures and done and done % erase_every == 0:
                    self._erase_one()
            if not self._withdraw_one():
                time.sleep(0.05)
        while self.erased < erasures:
            self._erase_one()
        self.stop.set()
        traffic.join(10)
        if not store.drained(20):
            raise SimError("the edges' outboxes did not drain within 20 s")

    def _live(self) -> list[Shopper]:
        return [p for p in self.opted if not p.erased]

    def _erase_one(self) -> None:
        live = self._live()
        if len(live) > 4:
            self.store.erase(self.store.rng.choice(live))
            self.erased += 1
            self.bar.update()

    def _withdraw_one(self) -> bool:
        store = self.store
        candidates = [p for p in self._live() if p.on]
        if not candidates:
            _regrant(store, self._live(), time.time())
            return False
        shopper = store.rng.choice(candidates)
        purpose = store.rng.choice(list(shopper.on))
        before = time.time()
        self.latencies.append(store.withdraw(shopper, purpose))
        store.late_events(shopper, purpose, before - 0.5)
        self.bar.update()
        _regrant(store, self._live(), time.time())
        time.sleep(0.02)
        return True

    def _traffic(self) -> None:
        while not self.stop.wait(TICK_S):
            try:
                self.store.traffic_tick(self.opted, self.strangers, time.time())
            except SimError as exc:
                self.store.errors.append(str(exc))
                return


def _log_to(path: Path) -> logging.Handler:
    """The hub's and the edges' log lines go to a file the audit scans too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def _regrant(store: AuditStore, live: list[Shopper], now: float) -> None:
    """Shoppers change their minds back: switch something on again (after a pause)."""
    idle = [
        p
        for p in live
        if not p.erased and p.quiet_until < now and len(p.on) < 2 and p.allowed - set(p.on)
    ]
    if not idle:
        return
    shopper = store.rng.choice(idle)
    store.grant(shopper, store.rng.choice(sorted(shopper.allowed - set(shopper.on))))


def _artifacts(store: AuditStore) -> Artifacts:
    root = store.root
    files = [p for p in root.rglob("*") if p.is_file()]
    backups = backup.list_backups(store.home)
    return Artifacts(
        messages=store.messages,
        files=files,
        broker_dir=root / "broker",
        hub_dbs=[store.home.db_path] + [folder / backup.DB_FILE for folder, _ in backups],
        key_stores=[keystore_path(store.home)]
        + [folder / backup.KEYS_FILE for folder, _ in backups],
        wrap_key=base64.b64decode((store.home.root / "keys" / "wrap.key").read_text()),
        seal_key=store.home.seal_key(),
    )
