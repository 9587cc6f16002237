"""Walk, record, replay, calibrate: the integrator's flow on simulated stores."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import orjson
import pytest

from edge.cli import main as edge_main
from edge.presence.calibrate import Walk, fit_path_loss
from edge.presence.config import PresenceSettings, load_settings
from edge.presence.replay import evaluate
from edge.presence.trace import Chunk, TraceReader
from simulators.ble_world import (
    Phone,
    RadioModel,
    open_plan_store,
    shoppers_day,
    simulate,
    staff_walk,
    truth_marks,
)
from simulators.cli import main as sim_main

START = 1_767_225_660.0


def test_calibration_raises_accuracy_when_reference_power_is_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace, truth = tmp_path / "walks.trace", tmp_path / "walks.truth"
    args = ["ble-world", "--out", str(trace), "--truth", str(truth), "--walks", "2"]
    args += ["--sigma", "7", "--loss", "0.3", "--hz", "4", "--ref-offset-db", "6", "--seed", "3"]
    assert sim_main(args) == 0
    capsys.readouterr()
    out, png = tmp_path / "presence.yaml", tmp_path / "calibration.png"
    code = sim_main(
        [
            "ble-calibrate",
            str(trace),
            str(truth),
            "--out",
            str(out),
            "--plot",
            str(png),
            "--json",
        ]
    )
    assert code == 0
    report = orjson.loads(capsys.readouterr().out)
    before = report["check_walk_before"]["zone_accuracy"]
    after = report["check_walk_after"]["zone_accuracy"]
    assert after >= before + 0.05
    settings = load_settings(out)
    assert set(settings.gateways) == {f"gw-{i}" for i in range(1, 9)}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fitted_reference_powers_follow_the_real_ones() -> None:
    rng = np.random.default_rng(8)
    layout = open_plan_store()
    radio = RadioModel(sigma_db=7.0, loss=0.3, ref_offset_db=6.0)
    phones = [Phone(rng.bytes(32), 4.0, staff_walk(rng, layout, START, stops_per_zone=4))]
    rec = simulate(layout, radio=radio, phones=phones, rng=rng)
    marks = truth_marks(layout, phones[0].walk, phones[0].token_at)
    settings = PresenceSettings.from_header(layout.header())
    walk = Walk(
        Chunk(rec.t, rec.gateway, rec.ident, rec.rssi),
        rec.names,
        [g.name for g in layout.gateways],
        marks,
    )
    fitted, points, shared = fit_path_loss(settings, walk)
    real = -59.0 + rec.ref_offsets_db
    got = np.array([fitted.gateways[g.name].ref_power_dbm for g in layout.gateways])
    assert np.corrcoef(real, got)[0, 1] > 0.8
    assert float(np.mean(np.abs(got - real))) < float(np.mean(np.abs(-59.0 - real)))
    assert 2.0 <= shared <= 4.0
    assert sum(v.size for v in points.distance_m.values()) > 1000


def test_calibrate_needs_a_second_walk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace, truth = tmp_path / "one.trace", tmp_path / "one.truth"
    sim_main(
        ["ble-world", "--out", str(trace), "--truth", str(truth), "--walks", "1", "--seed", "2"]
    )
    capsys.readouterr()
    assert sim_main(["ble-calibrate", str(trace), str(truth)]) == 2
    assert "never scored on the walk it was fitted to" in capsys.readouterr().err


def test_record_on_the_simulated_world_keeps_only_roster_tokens_and_beacons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gw-3.trace"
    args = ["ble-record", "--out", str(out), "--seed", "4", "--gateway", "gw-3"]
    assert sim_main([*args, "--seconds", "120"]) == 0
    err = capsys.readouterr().err
    dropped = int(err.split(" receptions kept, ")[1].split()[0])
    assert dropped > 1000
    with TraceReader(out) as reader:
        chunks = list(reader.chunks())
        assert {reader.gateway_names[int(g)] for c in chunks for g in np.unique(c.gateway)} == {
            "gw-3"
        }
        for name in reader.names:
            assert len(name) == 16 or name.startswith("ibeacon:")
    assert edge_main(["ble", "replay", str(out), "--json"]) == 0


def test_replay_survives_a_gateway_going_silent() -> None:
    rng = np.random.default_rng(5)
    layout = open_plan_store()
    radio = RadioModel(sigma_db=7.0, loss=0.3)
    rec, marks = shoppers_day(
        rng, layout=layout, radio=radio, count=6, duration=600.0, start=START, hz=4.0
    )
    settings = PresenceSettings.from_header(layout.header())
    names = [g.name for g in layout.gateways]
    full = evaluate(
        settings, Chunk(rec.t, rec.gateway, rec.ident, rec.rssi), rec.names, names, marks
    )
    middle = float(np.median(rec.t))
    keep = ~((rec.gateway == 4) & (rec.t > middle))  # gw-5 dies half way
    cut = Chunk(rec.t[keep], rec.gateway[keep], rec.ident[keep], rec.rssi[keep])
    silent = evaluate(settings, cut, rec.names, names, marks)
    assert silent.engine.zone_accuracy > full.engine.zone_accuracy - 0.08
    assert silent.engine.zone_accuracy > silent.strongest.zone_accuracy
    assert not math.isnan(silent.engine.zone_accuracy)
