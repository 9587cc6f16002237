"""``instore-sim bench dashboard``: every dashboard page over real HTTP, with a million
events in the hub database and ingest running at 5,000 events/s.

The million events go straight into SQLite through the hub's own store (group commits,
as ingest makes them): scans at kiosks, footfall, beacon telemetry and consented
presence events at gateways, spread over the last 24 hours; personal data is stored
under each shopper's key as the consent package stores it. Then the real hub process
starts (broker, ingest, consent, dashboard), two simulated devices send 2,500 events/s
each through Mosquitto, and a privacy officer and an admin request every page in turn.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import httpx
import orjson
from tqdm import tqdm

from hub.consent.shredding import encrypt
from hub.consent.system import ConsentSystem
from hub.dashboard.roles import Role
from hub.dashboard.users import add_users
from hub.settings import HubHome
from hub.storage import CheckedBatch, EventRow, SqliteEventStore
from protocol.ids import uuid7_texts
from simulators.errors import SimError
from simulators.fleet import SimStore

DEVICES_SENDING: Final = 2  # 2,500 events/s each
CHUNK: Final = 20_000  # events per group commit while filling
RAMP_S: Final = 30.0  # devices start, connect and reach their rate within this
COUNT: Final = "SELECT SUM(events_stored) FROM devices"
PERSONAL_SHARE: Final = 0.02  # consented presence events among the gateways' events
SHOPPERS: Final = 300
GTINS: Final = tuple(f"40063813339{i:02d}" for i in range(12))
ZONES: Final = ("entrance", "dairy", "bakery", "produce", "household", "checkout")
BEACONS: Final = ("beacon-1", "beacon-2", "beacon-3", "beacon-4")
PAGES: Final = (
    "/",
    "/alarms",
    "/analytics",
    "/fragments/devices",
    "/fragments/alarms",
    "/api/devices",
    "/privacy/consents",
    "/privacy/requests?subject={subject}",
    "/privacy/audit",
    "/privacy/datamap",
    "/privacy/retention",
    "/admin/users",
    "/metrics",
)
ADMIN_PAGES: Final = ("/admin/users",)

# (event id, subject, plain data) -> bytes stored in events.data
PersonalData = Callable[[str, str, dict[str, Any]], bytes]


def plain_personal(event_id: str, subject: str, data: dict[str, Any]) -> bytes:
    """Personal data stored as plain JSON (unit tests of the rollups)."""
    return orjson.dumps(data)


def shopper(i: int) -> str:
    return f"ps_bench{i:016d}"


def fill_events(
    store: SqliteEventStore,
    devices: Sequence[tuple[str, str]],
    total: int,
    now: float,
    *,
    personal: PersonalData = plain_personal,
    span_s: float = 86_400.0,
    personal_share: float = PERSONAL_SHARE,
    seed: int = 0,
    progress: bool = False,
) -> int:
    """Commit ``total`` events for ``devices`` ((id, kind) pairs) spread over the
    ``span_s`` before ``now``; return how many were stored."""
    rng = random.Random(seed)
    per_device = total // len(devices)
    stored = 0
    bar = tqdm(
        total=per_device * len(devices),
        desc="fill",
        unit="ev",
        file=sys.stderr,
        disable=not progress,
    )
    seqs = dict.fromkeys((d for d, _ in devices), 0)
    streams = {d: f"bench-{d}" for d, _ in devices}
    for start in range(0, per_device, CHUNK):
        count = min(CHUNK, per_device - start)
        batches = []
        for device, kind in devices:
            rows = []
            first_ts = now - span_s + span_s * start / per_device
            ids = uuid7_texts(int(first_ts * 1000), count)
            for i in range(count):
                ts = first_ts + span_s * i / per_device
                seqs[device] += 1
                rows.append(_row(rng, kind, seqs[device], ids[i], ts, personal, personal_share))
            batches.append(CheckedBatch(device, streams[device], rows=rows))
        result = store.commit_group(batches)
        stored += result.stored
        bar.update(count * len(devices))
    bar.close()
    return stored


def _row(  # noqa: PLR0917 - one generated event
    rng: random.Random,
    kind: str,
    seq: int,
    event_id: str,
    ts: float,
    personal: PersonalData,
    share: float,
) -> EventRow:
    digest = seq.to_bytes(8, "big") + rng.randbytes(8)
    if kind == "kiosk":
        data = {"gtin": rng.choice(GTINS), "format": "EAN13"}
        return EventRow(seq, event_id, ts, "scan", None, None, None, digest, orjson.dumps(data))
    roll = rng.random()
    if roll < share:
        subject = shopper(rng.randrange(SHOPPERS))
        zone = rng.choice(ZONES)
        body: dict[str, Any]
        if roll < share / 2:
            kind_name, body = "zone.enter", {"zone": zone}
        else:
            kind_name, body = "zone.dwell", {"zone": zone, "dwell_s": rng.uniform(20, 600)}
        blob = personal(event_id, subject, body)
        return EventRow(
            seq, event_id, ts, kind_name, "analytics", subject, f"cr-{subject}", digest, blob
        )
    if roll < share + 0.001:
        beacon = rng.choice(BEACONS)
        battery = 12.0 if beacon == BEACONS[0] else rng.uniform(60, 100)
        health: dict[str, Any] = {"beacon": beacon, "battery_pct": battery}
        return EventRow(
            seq, event_id, ts, "beacon.health", None, None, None, digest, orjson.dumps(health)
        )
    footfall: dict[str, Any] = {"zone": rng.choice(ZONES), "count": 1}
    return EventRow(seq, event_id, ts, "footfall", None, None, None, digest, orjson.dumps(footfall))


def prefill(
    home: HubHome,
    devices: Sequence[tuple[str, str]],
    events: int,
    now: float,
    *,
    personal_share: float = PERSONAL_SHARE,
    progress: bool = False,
) -> int:
    """Before the hub starts: a consent ledger with grants and withdrawals, and
    ``events`` events with personal data under shopper keys as the hub keeps it."""
    consent = ConsentSystem(home)
    try:
        for i in range(0, SHOPPERS, 3):
            subject = shopper(i)
            consent.registry.confirm_age(subject, 1990, 2026)
            consent.registry.set_consent(subject, "analytics", True, notify=False)
            if i % 2:
                consent.registry.set_consent(subject, "analytics", False, notify=False)

        def personal(event_id: str, subject: str, data: dict[str, Any]) -> bytes:
            key = consent.keys.get(subject, create=True, now=now)
            assert key is not None  # noqa: S101 - create=True always gives one
            return encrypt(key, subject, event_id, orjson.dumps(data))

        hub_store = SqliteEventStore(home.db_path)
        try:
            return fill_events(
                hub_store,
                devices,
                events,
                now,
                personal=personal,
                personal_share=personal_share,
                progress=progress,
            )
        finally:
            hub_store.close()
    finally:
        consent.close()


def _prepare(store: SimStore, events: int) -> dict[str, str]:
    devices = [
        (d, "kiosk" if d.startswith("kiosk") else "gateway")
        for d in store.device_ids()[DEVICES_SENDING:]
    ]
    prefill(store.home, devices, events, time.time(), progress=True)
    return add_users(store.home, {"bench-po": Role.PRIVACY_OFFICER, "bench-admin": Role.ADMIN})


def _scalar(db_path: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        return int(db.execute(sql).fetchone()[0] or 0)


def _wait_rollups(db_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    target = _scalar(db_path, "SELECT SUM(through_seq) FROM streams")
    with tqdm(total=target, desc="rollups", unit="ev", file=sys.stderr) as bar:
        while time.monotonic() < deadline:
            try:
                done = _scalar(db_path, "SELECT SUM(through) FROM roll_marks")
            except sqlite3.OperationalError:
                done = 0
            bar.n = done
            bar.refresh()
            if done >= target:
                return
            time.sleep(0.5)
    raise SimError("the hub did not catch its rollups up in time")


def _login(base: str, name: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        "/login", data={"username": name, "password": password, "csrf": token, "next": "/"}
    )
    if r.status_code >= 400 or "instore_session" not in client.cookies:
        client.close()
        raise SimError(f"bench user {name} could not log in ({r.status_code})")
    return client


def _measure(base: str, passwords: dict[str, str], seconds: float) -> dict[str, list[float]]:
    officer = _login(base, "bench-po", passwords["bench-po"])
    admin = _login(base, "bench-admin", passwords["bench-admin"])
    times: dict[str, list[float]] = {p: [] for p in PAGES}
    try:
        ends = time.monotonic() + seconds
        round_no = 0
        bar = tqdm(desc="pages", unit="req", file=sys.stderr)
        while round_no < 2 or time.monotonic() < ends:
            round_no += 1
            for page in PAGES:
                client = admin if page in ADMIN_PAGES else officer
                url = page.format(subject=shopper(round_no % SHOPPERS))
                t0 = time.perf_counter()
                r = client.get(url)
                ms = (time.perf_counter() - t0) * 1000
                if r.status_code != 200:
                    raise SimError(f"{url} answered {r.status_code}")
                if round_no > 1:  # the first round warms caches and connections
                    times[page].append(ms)
                bar.update()
        bar.close()
    finally:
        officer.close()
        admin.close()
    return times


def _wait_for_rate(db_path: Path, rate: float, timeout: float) -> float:
    """Wait until ingest runs at 90 % of ``rate`` (over 2 s) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last, t_last = _scalar(db_path, COUNT), time.monotonic()
    seen = 0.0
    while time.monotonic() < deadline:
        time.sleep(2.0)
        now_count, now = _scalar(db_path, COUNT), time.monotonic()
        seen = (now_count - last) / (now - t_last)
        if seen >= 0.9 * rate:
            break
        last, t_last = now_count, now
    print(f"ingest before the measurement: {seen:.0f} events/s", file=sys.stderr)  # noqa: T201
    return seen


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def run_dashboard_bench(
    events: int, seconds: float, rate: int, keep: Path | None = None
) -> dict[str, object]:
    """Fill a store (in ``keep``, or a temporary directory) with ``events`` events, start
    the hub, send ``rate`` events/s through it and request every page in turn for
    ``seconds``; each page's p95 goes to stderr, the bench's figures are returned."""
    with tempfile.TemporaryDirectory(prefix="instore-bench-dash-") as tmp:
        root = keep or Path(tmp) / "store"
        store = SimStore(root, kiosks=DEVICES_SENDING + 1, gateways=3)
        try:
            store.setup()
            passwords = _prepare(store, events)
            store.start_hub()
            _wait_rollups(store.home.db_path, 600)
            per_device = rate / DEVICES_SENDING
            for i, device in enumerate(store.device_ids()[:DEVICES_SENDING]):
                store.start_device(device, ["--bench", "--rate", str(per_device), "--seed", str(i)])
            db_path = store.home.db_path
            _wait_for_rate(db_path, rate, RAMP_S)
            before, t0 = _scalar(db_path, COUNT), time.monotonic()
            times = _measure(store.dashboard_url.rstrip("/"), passwords, seconds)
            after, t1 = _scalar(db_path, COUNT), time.monotonic()
        finally:
            store.stop()
    measured = (after - before) / (t1 - t0)
    all_times = [t for ts in times.values() for t in ts]
    for page, ts in times.items():
        print(f"{page}: p95 {_p95(ts):.1f} ms", file=sys.stderr)  # noqa: T201
    print(f"ingest during the measurement: {measured:.0f} events/s", file=sys.stderr)  # noqa: T201
    if measured < 0.9 * rate:
        print(  # noqa: T201
            f"ingest ran below the asked {rate} events/s on this machine", file=sys.stderr
        )
    return {"events": after, "p95_ms": round(_p95(all_times), 1), "pages": len(PAGES)}
