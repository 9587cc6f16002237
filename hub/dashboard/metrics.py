"""``/metrics`` for Prometheus: read from the database (and the in-process ingest
statistics when the hub runs the app) at scrape time, so there is no state to keep."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Final

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.dashboard.fleet_view import devices
from hub.dashboard.settings import DashboardSettings

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
# Names edges use in their heartbeat counters for what the issue asks to see.
# edge/presence/live.py reports "ble_dropped"; the others are accepted for other edges.
ADVERTS_DROPPED: Final = ("ble_dropped", "adverts_dropped", "dropped")
DECODED: Final = ("scan_decoded", "decoded")  # codes decoded at a kiosk
FRAMES: Final = ("scan_frames", "frames")  # camera frames looked at


class HubCollector(Collector):
    def __init__(
        self,
        conn: Callable[[], sqlite3.Connection],
        settings: DashboardSettings,
        ingest_stats: Callable[[], tuple[int, int, float] | None],
    ) -> None:
        self._conn = conn
        self._settings = settings
        self._ingest = ingest_stats  # (stored, batches, started) from HubService.stats

    def collect(self) -> Iterator[Metric]:
        db = self._conn()
        now = time.time()
        fleet = devices(db, now, self._settings)
        stored = CounterMetricFamily(
            "instore_events_stored", "Events stored by ingest (rate() gives the ingest rate)"
        )
        stored.add_metric([], sum(d.events_stored for d in fleet))
        yield stored
        stats = self._ingest()
        if stats is not None:
            rate = GaugeMetricFamily(
                "instore_ingest_events_per_second", "Mean ingest rate since the hub started"
            )
            rate.add_metric([], stats[0] / max(1e-3, now - stats[2]))
            yield rate
            batches = CounterMetricFamily("instore_ingest_batches", "Batches checked by ingest")
            batches.add_metric([], stats[1])
            yield batches
        dead = CounterMetricFamily(
            "instore_dead_letters", "Dead letters by reason", labels=["reason"]
        )
        for name, value in db.execute(
            "SELECT name, value FROM counters WHERE name LIKE 'dead_letters.%'"
        ):
            dead.add_metric([name.removeprefix("dead_letters.")], value)
        yield dead
        depth = GaugeMetricFamily(
            "instore_outbox_depth", "Events waiting in each device's outbox", labels=["device"]
        )
        online = GaugeMetricFamily(
            "instore_device_online", "1 if the device is online by heartbeat", labels=["device"]
        )
        dropped = CounterMetricFamily(
            "instore_adverts_dropped", "BLE advertisements dropped at gateways", labels=["device"]
        )
        decode = GaugeMetricFamily(
            "instore_decode_rate", "Decoded codes per camera frame at kiosks", labels=["device"]
        )
        for d in fleet:
            online.add_metric([d.device], int(d.online))
            if d.outbox_depth is not None:
                depth.add_metric([d.device], d.outbox_depth)
            for key in ADVERTS_DROPPED:
                if key in d.counters:
                    dropped.add_metric([d.device], d.counters[key])
                    break
            frames = next((d.counters[k] for k in FRAMES if d.counters.get(k)), 0)
            if frames:
                decoded = next((d.counters[k] for k in DECODED if k in d.counters), 0)
                decode.add_metric([d.device], decoded / frames)
        yield from (depth, online, dropped, decode)
        consent = CounterMetricFamily(
            "instore_consent_changes", "Consent records written (grants and withdrawals)"
        )
        consent.add_metric([], _consent_changes(db))
        yield consent
        alarms = GaugeMetricFamily("instore_alarms_open", "Open alarms by kind", labels=["kind"])
        for kind, n in db.execute(
            "SELECT kind, COUNT(*) FROM alarms WHERE cleared IS NULL GROUP BY kind"
        ):
            alarms.add_metric([kind], n)
        yield alarms


def _consent_changes(db: sqlite3.Connection) -> int:
    """The consent ledger's length when the consent package keeps one; else the spine's
    consent rows (one per subject and purpose, so changes are undercounted)."""
    for sql in (
        "SELECT value FROM counters WHERE name = 'consent.changes'",
        "SELECT COUNT(*) FROM consent_ledger",
        "SELECT COUNT(*) FROM consents",
    ):
        try:
            row = db.execute(sql).fetchone()
        except sqlite3.OperationalError:
            continue  # that table does not exist (yet)
        if row is not None:
            return int(row[0])
    return 0


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


def make_registry(collector: HubCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry
