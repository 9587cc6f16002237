"""The k threshold, the partition rule and Laplace noise for shopper figures."""

from __future__ import annotations

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.dashboard.groups import Cell, disjoint, laplace_scale, noisy_count, publish_cell

K = 10


def _tags(n: int) -> list[bytes]:
    return [i.to_bytes(16, "big") for i in range(n)]


def test_a_group_of_nine_is_not_shown_and_ten_is() -> None:
    nine = publish_cell(
        1, "dairy", [(t, 60.0) for t in _tags(9)], k=K, epsilon_daily=None, max_cells=4
    )
    ten = publish_cell(
        1, "dairy", [(t, 60.0) for t in _tags(10)], k=K, epsilon_daily=None, max_cells=4
    )
    assert nine.shoppers is None
    assert nine.dwell_median_s is None
    assert ten.shoppers == 10
    assert ten.dwell_median_s == 60.0


def test_shoppers_are_counted_once_however_many_events() -> None:
    events = [(t, float(i)) for t in _tags(9) for i in range(5)]
    cell = publish_cell(1, "dairy", events, k=K, epsilon_daily=None, max_cells=4)
    assert cell.shoppers is None  # 45 events, but only 9 shoppers


def test_median_dwell_uses_each_shoppers_longest_and_caps_it() -> None:
    events = [(t, 30.0) for t in _tags(10)] + [(t, 90.0) for t in _tags(10)[:6]]
    events.append((_tags(1)[0], 99_999.0))
    cell = publish_cell(1, "dairy", events, k=K, epsilon_daily=None, max_cells=4)
    assert cell.dwell_median_s == 90.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, K - 2), st.none() | st.floats(0, 3600)), max_size=80),
    st.none() | st.floats(0.1, 10.0),
)
def test_fewer_than_k_distinct_shoppers_never_gives_a_figure(
    rows: list[tuple[int, float | None]], epsilon: float | None
) -> None:
    contributions = [(i.to_bytes(16, "big"), d) for i, d in rows]
    cell = publish_cell(3, "bakery", contributions, k=K, epsilon_daily=epsilon, max_cells=6)
    assert cell.shoppers is None
    assert cell.dwell_median_s is None


def test_noise_is_centred_and_scaled_by_the_contribution_bound() -> None:
    scale = laplace_scale(epsilon_daily=1.0, max_cells=4)
    assert scale == 4.0
    draws = [noisy_count(1000, scale) for _ in range(400)]
    assert draws != [1000] * 400
    assert abs(statistics.mean(draws) - 1000) < 2.0
    # Laplace(b) has standard deviation b * sqrt(2).
    assert 3.5 < statistics.pstdev(draws) < 8.0


def test_noisy_cells_say_so_and_hide_the_median() -> None:
    cell = publish_cell(
        1, "dairy", [(t, 60.0) for t in _tags(200)], k=K, epsilon_daily=2.0, max_cells=4
    )
    assert cell.noisy
    assert cell.shoppers is not None
    assert abs(cell.shoppers - 200) < 40
    assert cell.dwell_median_s is None


def test_one_figure_per_zone_and_bucket() -> None:
    a = Cell(1, "dairy", 12, None, noisy=False)
    b = Cell(1, "bakery", 12, None, noisy=False)
    assert disjoint([a, b])
    assert not disjoint([a, b, Cell(1, "dairy", 13, None, noisy=False)])
