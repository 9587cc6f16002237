"""Presence through the whole store: phones switch presence on at the hub's consent
center, walk the store as five gateways' radios hear them (recorded air, among strangers'
devices and a store beacon), and the gateways, built as ``instore-edge run`` builds them,
zone them and upload zone events the hub stores; each shopper finds theirs in their own
export, and nobody else's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from simulators.fleet import SimStore
from simulators.walking import Walking, walk_in, zone_events

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SimStore]:
    sim = SimStore(tmp_path / "store", kiosks=0, gateways=5)
    try:
        sim.setup()
        sim.start_hub()
        yield sim
    finally:
        sim.stop()


def test_opted_in_shoppers_are_zoned_and_see_their_zone_events(store: SimStore) -> None:
    walking: Walking = walk_in(store, shoppers=4, seconds=60, seed=2, lead_s=8)
    deadline = time.monotonic() + 150
    while zone_events(store.home.db_path) < 8:
        assert time.monotonic() < deadline, "no zone events reached the hub"
        for name, proc in store.devices.items():
            assert proc.poll() is None, f"{name} ended early"
        time.sleep(1)
    zones = set(walking.settings.zones)
    seen = 0
    with httpx.Client(base_url=store.dashboard_url.rstrip("/"), timeout=10) as http:
        for phone in walking.phones:
            held = http.get("/s/me.json", headers=phone.cookie).json()
            mine = [e for e in held["events"] if e["type"].startswith("zone.")]
            assert all(e["data"]["zone"] in zones for e in mine)
            seen += len(mine)
    assert seen == zone_events(store.home.db_path)  # every zone event is one of theirs


@pytest.mark.timeout(300)
def test_the_footprint_bench_prints_its_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulators.cli import main as sim_main  # noqa: PLC0415

    args = ["bench", "footprint", "--seconds", "5", "--shoppers", "2", "--json"]
    assert sim_main([*args, "--root", str(tmp_path / "fp")]) == 0
    figures = orjson.loads(capsys.readouterr().out)
    assert set(figures["help_s"]) == {
        "instore-edge", "instore-edge run", "instore-hub", "instore-sim", "instore-config",
    }  # fmt: skip
    assert all(0 < s < 5 for s in figures["help_s"].values())
    for part in ("gateway_rss_mb", "kiosk_rss_mb", "hub_rss_mb"):
        assert figures[part] > 20, part  # a real process's peak, read from /proc
    assert not (tmp_path / "fp").exists()  # the store it made is gone
