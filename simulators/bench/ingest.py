"""``instore-sim bench ingest``: durable end-to-end throughput and latency.

Edge outbox commit -> MQTT 5 QoS 1 -> Mosquitto (project config) -> hub commit -> ack
-> outbox delete, with signatures on and ``synchronous=FULL`` on both sides, every part
a real process. The same-run baseline is plain per-message QoS 1 through the same
broker: one paho publisher, one paho subscriber, one event per message, nothing stored.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Final

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from tqdm import tqdm

from protocol.enrolment import BrokerAddress, DeviceIdentity
from protocol.topics import Topic, TopicKind, subscription
from simulators.bench.delivery import count_delivery
from simulators.device import acks_path
from simulators.errors import SimError
from simulators.fleet import SimStore

DEVICES: Final = 2  # one per core: the hub and broker share the machine with them
LATENCY_RATE: Final = 5000  # events/s offered in the latency phase
LATENCY_SECONDS: Final = 6.0


def _wait(procs: list[Any], timeout: float, progress: tqdm[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    for proc in procs:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                raise SimError("a simulated device did not drain its outbox in time")
            time.sleep(0.05)
            if progress is not None:
                progress.refresh()


def _hub_count(db_path: Path) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COALESCE(SUM(events_stored), 0) FROM devices").fetchone()[0])


def _head(record: Path) -> str:
    """The millisecond time of a record's first id (a UUIDv7 carries it in 48 bits)."""
    with record.open() as f:
        return f.read(13)


def _throughput(store: SimStore, events: int) -> tuple[float, int, int]:
    per_device = events // DEVICES
    records = []
    procs = []
    start = time.time()
    for i, device in enumerate(store.device_ids()[:DEVICES]):
        record = store.root / f"record-{device}.txt"
        records.append(record)
        procs.append(
            store.start_device(
                device,
                [
                    "--bench",
                    "--rate",
                    "0",
                    "--events",
                    str(per_device),
                    "--record",
                    str(record),
                    "--exit-when-drained",
                    "--seed",
                    str(i),
                ],
            )
        )
    with tqdm(total=per_device * DEVICES, desc="ingest", unit="ev", file=sys.stderr) as bar:
        while any(p.poll() is None for p in procs):
            bar.n = _hub_count(store.home.db_path)
            bar.refresh()
            time.sleep(0.2)
            if time.time() - start > 600:
                raise SimError("ingest did not finish in 10 minutes")
        bar.n = _hub_count(store.home.db_path)
        bar.refresh()
    for proc in procs:
        if proc.returncode != 0:
            raise SimError(f"a simulated device exited with status {proc.returncode}")
    # From the first event's creation (its UUIDv7 time) to the moment the last outbox
    # deleted its last acknowledged event: start-up and shut-down are not ingest.
    first_ms = min(int(_head(r).replace("-", ""), 16) for r in records)
    end = max(_drained_at(r, per_device) for r in records)
    elapsed = end - first_ms / 1000
    delivery = count_delivery(records, store.home.db_path, "bench")
    return per_device * DEVICES / elapsed, delivery.lost, delivery.duplicated


def _acks(record: Path) -> list[tuple[int, float]]:
    """``(through_seq, unix time)`` of every delete of acknowledged events, in order."""
    lines = acks_path(record).read_text().splitlines()
    return sorted((int(through), float(t)) for t, through in (line.split() for line in lines))


def _drained_at(record: Path, events: int) -> float:
    """When the outbox deleted the last of its ``events`` (seqs 1..events)."""
    acks = _acks(record)
    if not acks or acks[-1][0] < events:
        raise SimError(f"{record.name}: the hub did not acknowledge all {events} events")
    return acks[-1][1]


def _settle(db_path: Path, timeout_s: float = 60.0) -> None:
    """Wait until the hub has caught up with what the throughput phase stored (rollups
    at the frontier, the write-ahead log copied into the database), so the latency
    phase measures the steady state of 5,000 events/s, not the tail of the burst."""
    deadline = time.monotonic() + timeout_s
    with sqlite3.connect(db_path, timeout=30) as db:
        while time.monotonic() < deadline:
            behind = db.execute(
                "SELECT COUNT(*) FROM streams s LEFT JOIN roll_marks m ON m.stream_n = s.n "
                "WHERE s.through_seq > COALESCE(m.through, 0)"
            ).fetchone()[0]
            _, wal_frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if not behind and wal_frames == copied:
                return
            time.sleep(0.1)
    raise SimError("the hub did not catch up with the throughput phase in time")


def _latency(store: SimStore) -> float:
    _settle(store.home.db_path)
    device = store.device_ids()[DEVICES]
    record = store.root / f"record-{device}.txt"
    n = int(LATENCY_RATE * LATENCY_SECONDS)
    proc = store.start_device(
        device,
        [
            "--bench",
            "--rate",
            str(LATENCY_RATE),
            "--events",
            str(n),
            "--record",
            str(record),
            "--exit-when-drained",
        ],
    )
    _wait([proc], 120)
    with sqlite3.connect(f"file:{store.home.db_path}?mode=ro", uri=True) as db:
        created = db.execute(
            "SELECT seq, ts FROM events WHERE device = ? ORDER BY seq", (device,)
        ).fetchall()
    # End to end: from the event's creation (before its outbox commit) to the moment the
    # edge deleted it from the outbox, the hub having committed and acknowledged it.
    acks = _acks(record)
    if not created or not acks:
        raise SimError("no events reached the hub in the latency phase")
    lat: list[float] = []
    i = 0
    for seq, ts in created:
        while acks[i][0] < seq:
            i += 1
        lat.append((acks[i][1] - ts) * 1000)
    lat.sort()
    return lat[min(len(lat) - 1, int(len(lat) * 0.99))]


def _plain_client(client_id: str, broker: BrokerAddress) -> mqtt.Client:
    """A stock paho client with a device's login: what the baseline measures with."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(broker.username, broker.password)
    if broker.tls_ca:
        client.tls_set(ca_certs=broker.tls_ca, certfile=broker.tls_cert, keyfile=broker.tls_key)
    return client


def _baseline(store: SimStore, n: int) -> float:
    """Plain per-message QoS 1 through the same broker, nothing stored: one kiosk's login
    publishes on its own ``seen`` topic, another's reads it (the ACL lets every device
    read ``seen``; no process of this store subscribes to it)."""
    got = threading.Event()
    received = 0
    first = [0.0]
    last = [0.0]

    def on_message(client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        nonlocal received
        received += 1
        last[0] = time.monotonic()
        if received >= n:
            got.set()

    publisher, reader = (DeviceIdentity.read(store.identities[d]) for d in store.device_ids()[:2])
    topic = str(Topic.device_topic(store.store, publisher.device, TopicKind.SEEN))
    sub = _plain_client("bench-sub", reader.broker)
    sub.on_message = on_message
    sub.connect(reader.broker.host, reader.broker.port)
    sub.subscribe(subscription(store.store, TopicKind.SEEN), qos=1)
    sub.loop_start()
    pub = _plain_client("bench-pub", publisher.broker)
    pub.connect(publisher.broker.host, publisher.broker.port)
    pub.loop_start()
    time.sleep(0.5)
    body = orjson.dumps({"id": "0" * 36, "seq": 1, "type": "bench", "data": {"body": "x" * 120}})
    first[0] = time.monotonic()
    for _ in range(n):
        pub.publish(topic, body, qos=1)
    if not got.wait(300):
        raise SimError(f"baseline: only {received} of {n} messages arrived")
    for client in (pub, sub):
        client.loop_stop()
        client.disconnect()
    return n / (last[0] - first[0])


def run_ingest_bench(
    events: int, baseline_events: int, *, tls: bool = False, keep: Path | None = None
) -> dict[str, object]:
    """Run the store (in ``keep``, or a temporary directory): the baseline, the durable
    throughput and the p99 latency at 5k events/s; with ``tls`` the throughput phase again
    over TLS with client certificates, passwords and ACLs. Returns the bench's figures."""
    with tempfile.TemporaryDirectory(prefix="instore-bench-") as tmp:
        root = keep or Path(tmp) / "store"
        store = SimStore(root, kiosks=DEVICES + 1, gateways=0)
        try:
            store.setup()
            store.start_hub()
            baseline = _baseline(store, baseline_events)
            rate, lost, duplicated = _throughput(store, events)
            p99 = _latency(store)
        finally:
            store.stop()
    extra: dict[str, object] = {}
    if tls:
        with tempfile.TemporaryDirectory(prefix="instore-bench-tls-") as tmp:
            secure = SimStore(Path(tmp) / "store", kiosks=DEVICES, gateways=0, tls=True)
            try:
                secure.setup()
                secure.start_hub()
                tls_rate, tls_lost, tls_dup = _throughput(secure, events)
            finally:
                secure.stop()
        lost, duplicated = lost + tls_lost, duplicated + tls_dup
        extra = {"tls_events_per_s": round(tls_rate), "tls_ratio": round(tls_rate / rate, 3)}
    return {
        "events": events // DEVICES * DEVICES,
        "events_per_s": round(rate),
        "baseline_events_per_s": round(baseline),
        "p99_ms_at_5k": round(p99, 1),
        "lost": lost,
        "duplicated": duplicated,
        **extra,
    }
