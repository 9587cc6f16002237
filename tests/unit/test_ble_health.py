"""Beacon health from TLM, and silent beacons reported once."""

from __future__ import annotations

from edge.presence.frames import EddystoneTlm
from edge.presence.health import BeaconHealthMonitor
from edge.presence.roster import BEACON, TOKEN, Sighting


def test_tlm_fields_reach_the_report() -> None:
    mon = BeaconHealthMonitor(["b1", "b2"], silent_after_s=60.0)
    tlm = EddystoneTlm(0, 2400, 19.5, 4242, 3600.0)
    mon.on_sighting(Sighting("b1", -70, 10.0, BEACON, tlm))
    mon.on_sighting(Sighting("0011223344556677", -50, 10.0, TOKEN))  # not a beacon
    report = {h.beacon: h for h in mon.report(20.0)}
    b1 = report["b1"].to_data()
    assert b1["battery_mv"] == 2400
    assert b1["low_battery"] is True
    assert (b1["temperature_c"], b1["adv_count"], b1["uptime_s"]) == (19.5, 4242, 3600.0)
    assert report["b2"].last_seen is None


def test_a_beacon_not_heard_for_the_configured_time_is_reported_once() -> None:
    mon = BeaconHealthMonitor(["b1"], silent_after_s=60.0)
    assert mon.newly_silent(0.0) == []
    mon.on_sighting(Sighting("b1", -70, 30.0, BEACON))
    assert mon.newly_silent(80.0) == []
    silent = mon.newly_silent(95.0)
    assert [h.beacon for h in silent] == ["b1"]
    assert silent[0].silent
    assert mon.newly_silent(200.0) == []
    mon.on_sighting(Sighting("b1", -70, 210.0, BEACON))
    assert mon.newly_silent(215.0) == []
    assert [h.beacon for h in mon.newly_silent(300.0)] == ["b1"]
