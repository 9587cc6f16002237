"""The zone engine: time as input, zones with hysteresis, events for roster tokens only."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from edge.presence.config import EngineSettings, PresenceSettings
from edge.presence.engine import DWELL, ENTER, EXIT, PresenceEngine, ZoneEvent
from edge.presence.grid import FloorGrid
from edge.presence.motion import MODES, Motion
from edge.presence.roster import BEACON, TOKEN, RosterFilter, Sighting
from edge.presence.shadowing import DB, LinkShadowing, fading_moments
from edge.presence.smoother import FixedLagSmoother
from protocol.models import Roster

PREFIX = bytes.fromhex("696e73746f726501")
TOK = "0011223344556677"


def _site(**engine: float) -> PresenceSettings:
    return PresenceSettings.model_validate(
        {
            "gateways": {
                "gw-a": {"zone": "a", "x": 5.0, "y": 5.0},
                "gw-b": {"zone": "b", "x": 15.0, "y": 5.0},
            },
            "zones": {
                "a": {"polygon": [[0, 0], [10, 0], [10, 10], [0, 10]]},
                "b": {"polygon": [[10, 0], [20, 0], [20, 10], [10, 10]]},
            },
            "engine": EngineSettings(**engine).model_dump(),
        }
    )


def _near(engine: PresenceEngine, ident: str, near: str, t0: float, t1: float) -> list[ZoneEvent]:
    """An id standing next to gateway ``near``: strong there, faint at the other."""
    events: list[ZoneEvent] = []
    for i, t in enumerate(np.arange(t0, t1, 0.25).tolist()):
        strong, faint = -60 - (i % 3), -84 - (i % 4)
        for gw in ("gw-a", "gw-b"):
            events += engine.on_reception(t, gw, ident, strong if gw == near else faint)
    return events


def test_a_shopper_is_placed_and_followed_between_zones() -> None:
    engine = PresenceEngine(_site())
    events = _near(engine, TOK, "gw-a", 0.0, 20.0)
    assert [(e.kind, e.zone) for e in events if e.kind == ENTER] == [(ENTER, "a")]
    events = _near(engine, TOK, "gw-b", 20.0, 40.0)
    moves = [(e.kind, e.zone) for e in events if e.kind in (ENTER, EXIT)]
    assert moves == [(EXIT, "a"), (ENTER, "b")]
    assert engine.zone_of(TOK) == "b"
    change = next(e for e in events if e.kind == ENTER)
    assert change.t - 20.0 <= 5.0  # followed within seconds, not minutes


def test_events_only_for_tokens_on_the_roster() -> None:
    roster = RosterFilter(PREFIX)
    roster.update(Roster(windows=[1], tokens=[TOK]))
    engine = PresenceEngine(_site(), roster)
    events = _near(engine, TOK, "gw-a", 0.0, 5.0) + _near(
        engine, "ffeeddccbbaa9988", "gw-a", 5.0, 10.0
    )
    assert {e.id for e in events} == {TOK}
    assert engine.tracked == 1
    roster.update(Roster(windows=[1], tokens=[]))
    engine.forget(TOK)
    assert _near(engine, TOK, "gw-a", 10.0, 15.0) == []
    assert engine.tracked == 0


def test_beacon_sightings_do_not_become_shoppers() -> None:
    engine = PresenceEngine(_site())
    for i in range(20):
        engine.on_sighting("gw-a", Sighting("ibeacon:x:1:1", -60, i * 0.5, BEACON))
    engine.on_sighting("gw-a", Sighting(TOK, -60, 10.0, TOKEN))
    engine.advance(12.0)
    assert engine.tracked == 1


def test_dwell_then_exit_when_no_longer_heard() -> None:
    engine = PresenceEngine(_site(dwell_event_s=10.0, lost_after_s=15.0))
    events = _near(engine, TOK, "gw-a", 0.0, 12.0) + engine.advance(40.0)
    dwell = [e for e in events if e.kind == DWELL]
    assert len(dwell) == 1
    assert dwell[0].dwell_s >= 10.0
    assert [(e.kind, e.zone, e.lost) for e in events if e.kind == EXIT] == [(EXIT, "a", True)]
    assert events[-1].kind == EXIT
    assert engine.tracked == 0


def _crossing(decision_lag_s: float) -> list[tuple[float, ZoneEvent]]:
    """A shopper at gw-a until t = 20, then at gw-b: (time heard, event) for every event."""
    engine = PresenceEngine(_site(decision_lag_s=decision_lag_s))
    out: list[tuple[float, ZoneEvent]] = []
    for i, t in enumerate(np.arange(0.0, 40.0, 0.25).tolist()):
        near = "gw-a" if t < 20.0 else "gw-b"
        for gw in ("gw-a", "gw-b"):
            rssi = -60 - (i % 3) if gw == near else -84 - (i % 4)
            out += [(t, e) for e in engine.on_reception(t, gw, TOK, rssi)]
    return out


def test_hindsight_dates_a_change_when_it_happened_and_tells_it_later() -> None:
    now = next(e for _, e in _crossing(0.0) if e.kind == ENTER and e.zone == "b")
    heard, later = next((t, e) for t, e in _crossing(3.0) if e.kind == ENTER and e.zone == "b")
    assert 20.0 <= later.t <= now.t  # no later than the engine without hindsight says
    assert heard >= later.t + 3.0  # told once three more seconds were heard


def test_flush_decides_the_ticks_still_waiting_for_hindsight() -> None:
    engine = PresenceEngine(_site(decision_lag_s=3.0))
    events = _near(engine, TOK, "gw-a", 0.0, 2.5) + engine.advance(3.0)
    assert events == []  # heard for less than the hindsight: nothing decided yet
    assert engine.zone_of(TOK) is None
    flushed = engine.flush()
    assert [(e.kind, e.zone, e.t) for e in flushed] == [(ENTER, "a", 1.0)]
    assert engine.flush() == []  # nothing is decided twice


def test_a_silent_gateway_does_not_push_shoppers_away() -> None:
    engine = PresenceEngine(_site(miss_weight=1.0))
    # gw-b hears nobody at all (switched off); the shopper stands between both gateways
    for t in np.arange(0.0, 30.0, 0.25).tolist():
        engine.on_reception(t, "gw-a", TOK, -75)
    assert engine.zone_of(TOK) in {"a", "b"}
    assert engine.unknown_gateways == set()


def test_unknown_gateway_and_late_receptions_are_counted_not_fatal() -> None:
    engine = PresenceEngine(_site())
    _near(engine, TOK, "gw-a", 0.0, 5.0)
    engine.on_reception(6.0, "gw-x", TOK, -60)
    engine.on_reception(1.0, "gw-a", TOK, -60)
    assert engine.unknown_gateways == {"gw-x"}
    assert engine.late == 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.0, max_value=5.0),
            st.sampled_from(["gw-a", "gw-b"]),
            st.sampled_from(["id1", "id2"]),
            st.integers(min_value=-130, max_value=0),
        ),
        max_size=80,
    )
)
def test_any_reception_sequence_gives_coherent_events(
    steps: list[tuple[float, str, str, int]],
) -> None:
    engine = PresenceEngine(_site())
    t = 0.0
    inside: dict[str, str] = {}
    events: list[ZoneEvent] = []
    for dt, gw, ident, rssi in steps:
        t += dt
        events += engine.on_reception(t, gw, ident, rssi)
    events += engine.advance(t + 100.0)
    for e in events:
        if e.kind == ENTER:
            assert e.id not in inside
            inside[e.id] = e.zone
        elif e.kind == EXIT:
            assert inside.pop(e.id) == e.zone
    assert inside == {}
    assert engine.tracked == 0


def test_fading_moments_match_rayleigh() -> None:
    mean, var = fading_moments(3)
    assert abs(mean[0] - (-2.51)) < 0.01  # E[10 log10(Exp(1))]
    assert abs(var[0] - 5.57**2) < 0.1
    assert var[2] < var[1] < var[0]  # averaging packets narrows the fading


def test_link_shadowing_learns_a_links_offset_and_forgets_it() -> None:
    eng = EngineSettings(sigma_db=6.0, shadow_correlation_s=3.0)
    links = LinkShadowing(eng, n_gateways=1, n_cells=2, k_max=4)
    links.grow(1)
    mean = np.array([[-70.0, -80.0]], dtype=np.float32)
    dev, gw, k = np.array([0]), np.array([0]), np.array([4])
    first = links.weigh(dev, gw, k, np.array([-64.0]), mean)
    assert first[0, 0] > first[0, 1]  # 6 dB above cell 0's mean is likelier than 16 dB
    for _ in range(5):
        links.weigh(dev, gw, k, np.array([-64.0]), mean)
    assert 4.0 < float(links.m[0, 0, 0]) < 7.0  # the persistent offset is now shadowing
    assert float(links.v[0, 0]) < 36.0
    links.decay(np.array([0]), 30)
    assert abs(float(links.m[0, 0, 0])) < 0.1
    assert abs(float(links.v[0, 0]) - 36.0) < 0.5


def test_the_backward_pass_is_the_transpose_of_the_motion() -> None:
    site = _site()
    half_b = site.zones["b"].model_copy(
        update={"polygon": [(10.0, 0.0), (20.0, 0.0), (20.0, 5.0), (10.0, 5.0)]}
    )
    l_shaped = site.model_copy(update={"zones": {"a": site.zones["a"], "b": half_b}})
    for site in (_site(), l_shaped):
        grid = FloorGrid(site)
        motion = Motion(grid, site.engine)
        rng = np.random.default_rng(3)
        probs = (rng.random((2, MODES, grid.n_cells)) * grid.mask).astype(np.float32)
        beta = (rng.random((2, MODES, grid.n_cells)) * grid.mask).astype(np.float32)
        left = float((motion.carry(probs).astype(np.float64) * beta).sum())
        right = float((probs.astype(np.float64) * motion.back(beta)).sum())
        assert abs(left - right) <= 1e-5 * abs(left)
    assert not FloorGrid(l_shaped).mask.all()  # a floor the zones do not fill


def test_a_forgotten_row_leaves_nothing_in_the_smoother() -> None:
    settings = _site()
    grid = FloorGrid(settings)
    smoother = FixedLagSmoother(Motion(grid, settings.engine), lag=2, n_cells=grid.n_cells)
    smoother.grow(2)
    for tick in range(3):
        smoother.begin(tick)
        smoother.record(np.full((2, MODES, grid.n_cells), 1.0 / (MODES * grid.n_cells), "f4"))
    smoother.forget(1)
    kept, gone = smoother.smoothed(range(0, 1), 2, np.array([0, 1]))[0]
    assert kept.sum() > 0.99
    assert not gone.any()


def test_fading_moments_are_digamma_and_trigamma_at_whole_counts() -> None:
    from scipy.special import digamma, polygamma  # noqa: PLC0415 - the reference only

    mean, var = fading_moments(64)
    k = np.arange(1, 65, dtype=np.float64)
    np.testing.assert_allclose(mean, DB * (digamma(k) - np.log(k)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(var, DB**2 * polygamma(1, k), rtol=0, atol=1e-12)


CENTIMETRES = st.integers(0, 2000).map(lambda cm: cm / 100)  # a zone's corners, in metres


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(CENTIMETRES, CENTIMETRES),
        min_size=3,
        max_size=9,
    )
)
def test_inside_polygon_agrees_with_shapely_off_the_edges(
    points: list[tuple[float, float]],
) -> None:
    import shapely  # noqa: PLC0415 - the reference only

    from edge.presence.grid import inside_polygon  # noqa: PLC0415

    polygon = shapely.Polygon(points)
    assume(polygon.is_valid and polygon.area > 0.01)  # a zone, not a sliver or a knot
    rng = np.random.default_rng(len(points))
    x, y = rng.uniform(-1, 21, 400), rng.uniform(-1, 21, 400)
    away = shapely.distance(polygon.boundary, shapely.points(x, y)) > 1e-6
    ours = inside_polygon(points, x, y)
    theirs = shapely.contains_xy(polygon, x, y)
    assert (ours[away] == theirs[away]).all()
