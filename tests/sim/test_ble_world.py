"""The simulated BLE world is honest about radio, and the zone engine beats the references."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from edge.presence.config import PresenceSettings
from edge.presence.replay import Evaluation, evaluate
from edge.presence.trace import Chunk
from simulators.ble_world import (
    Phone,
    RadioModel,
    Receptions,
    StoreLayout,
    Walk,
    make_phones,
    open_plan_store,
    shoppers_day,
    simulate,
    truth_marks,
)

START = 1_767_225_600.0
Mark = dict[str, Any]


def _still(x: float, y: float, seconds: float, hz: float) -> Phone:
    walk = Walk(np.array([START, START + seconds]), np.array([x, x]), np.array([y, y]))
    return Phone(bytes(32), hz, walk)


def test_shadowing_is_sigma_db_and_correlated_over_seconds() -> None:
    layout = open_plan_store()
    radio = RadioModel(
        sigma_db=6.0, correlation_s=6.0, fading=False, loss=0.0, sensitivity_dbm=-200
    )
    rec = simulate(
        layout, radio=radio, phones=[_still(5.0, 5.0, 600.0, 10.0)], rng=np.random.default_rng(3)
    )
    first = rec.gateway == 0  # gw-1 hangs over the phone: 1.5 m away in 3-D
    mean = -59.0 - 30.0 * math.log10(1.5)
    resid = rec.rssi[first] - mean
    assert 4.5 < resid.std() < 7.5
    series = resid - resid.mean()

    def corr(lag: int) -> float:
        return float(np.corrcoef(series[:-lag], series[lag:])[0, 1])

    assert corr(10) > 0.7  # 1 s apart (10 Hz): still the same shadowing
    assert corr(50) > 0.25  # 5 s apart: still correlated
    assert corr(400) < 0.2  # 40 s apart: independent


def test_fading_loss_and_advert_rates_are_as_configured() -> None:
    layout = open_plan_store()
    radio = RadioModel(loss=0.25, sensitivity_dbm=-200)
    rec = simulate(
        layout, radio=radio, phones=[_still(5.0, 5.0, 300.0, 4.0)], rng=np.random.default_rng(4)
    )
    sent = 300 * 4 * len(layout.gateways)
    assert 0.70 < rec.t.size / sent < 0.80  # 25 % loss
    first = rec.rssi[rec.gateway == 0].astype(float)
    assert first.std() > 7.0  # shadowing plus Rayleigh fading
    phones = make_phones(
        np.random.default_rng(5),
        layout=layout,
        radio=RadioModel(),
        count=50,
        duration=60,
        start=START,
    )
    assert all(1.0 <= p.hz <= 10.0 for p in phones)


def test_tokens_rotate_every_window() -> None:
    layout = open_plan_store()
    phone = _still(5.0, 5.0, 2000.0, 2.0)
    rec = simulate(layout, radio=RadioModel(), phones=[phone], rng=np.random.default_rng(6))
    assert len(rec.names) == 3  # 2000 s from a window start: three 15-minute windows
    marks = truth_marks(layout, phone.walk, phone.token_at)
    assert [m["zone"] for m in marks].count(None) == 3


def _hard_day(count: int, duration: float) -> tuple[StoreLayout, Receptions, list[Mark]]:
    """Issue 11's radio: sigma 7 dB, Rayleigh fading, exponent 3, 30 % loss, 4 Hz."""
    layout = open_plan_store()
    radio = RadioModel(sigma_db=7.0, loss=0.3)
    rec, marks = shoppers_day(
        np.random.default_rng(2),
        layout=layout,
        radio=radio,
        count=count,
        duration=duration,
        start=START,
        hz=4.0,
    )
    return layout, rec, marks


def _evaluate(
    layout: StoreLayout, rec: Receptions, marks: list[Mark], engine: dict[str, Any] | None = None
) -> Evaluation:
    """The engine, with ``engine`` settings changed, and both references on ``rec``."""
    site = PresenceSettings.from_header(layout.header())
    return evaluate(
        site.model_copy(update={"engine": site.engine.model_copy(update=engine or {})}),
        Chunk(rec.t, rec.gateway, rec.ident, rec.rssi),
        rec.names,
        [g.name for g in layout.gateways],
        marks,
    )


def test_engine_beats_both_references_on_an_open_plan_store() -> None:
    rng = np.random.default_rng(11)
    layout = open_plan_store()
    radio = RadioModel(sigma_db=6.0)
    rec, marks = shoppers_day(rng, layout=layout, radio=radio, count=8, duration=600.0, start=START)
    result = _evaluate(layout, rec, marks)
    assert result.engine.zone_accuracy > result.strongest.zone_accuracy + 0.08
    assert result.engine.zone_accuracy > result.smoothed.zone_accuracy + 0.05
    assert result.engine.flaps_per_change < result.strongest.flaps_per_change / 3


def test_hindsight_places_shoppers_better_on_the_hard_radio() -> None:
    day = _hard_day(count=8, duration=900.0)
    now, with_hindsight = (
        _evaluate(*day, {"decision_lag_s": 0.0}),
        _evaluate(*day, {"decision_lag_s": 3.0}),
    )
    later = with_hindsight.engine
    assert later.zone_accuracy > now.engine.zone_accuracy + 0.015
    assert later.zone_accuracy > with_hindsight.strongest.zone_accuracy + 0.12
    assert later.flaps_per_change < now.engine.flaps_per_change


@pytest.mark.parametrize(
    "evidence",
    [{"shadow_tracking": False}, {"shadow_tracking": False, "joint_packets": False}],
)
def test_the_other_evidence_models_place_shoppers_too(evidence: dict[str, bool]) -> None:
    """Look-up tables instead of tracked shadowing; one observation per packet."""
    result = _evaluate(*_hard_day(count=6, duration=600.0), evidence)
    assert result.engine.zone_accuracy > result.strongest.zone_accuracy + 0.1
