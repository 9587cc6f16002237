"""The recommendation policy: consent, moments, the per-visit cap, the "why", one price."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.backends.onnx_model import OnnxModelRunner
from domain.languages import LANGUAGES
from domain.recs.policy import (
    PERSONAL_CAP,
    RELATED_COUNT,
    VISIT_IDLE_S,
    Candidate,
    Kind,
    Moment,
    Product,
    Suggestion,
    Visit,
    decide,
    plan,
)
from domain.recs.service import ProductTable, Recommender, Shopper
from domain.recs.texts import Reason, why
from protocol.purposes import Purpose
from simulators.baskets import make_store, product_table, split_by_week
from simulators.recs_train import metadata_for, save_onnx, train

N = 1_200
ALL = frozenset(Purpose)
T0 = 1_700_000_000.0


@pytest.fixture(scope="module")
def store_and_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProductTable, Recommender]:
    store = make_store(N, seed=31)
    train_b, _ = split_by_week(store)
    path = tmp_path_factory.mktemp("policy") / "recs.onnx"
    save_onnx(
        train(train_b, N), path, metadata_for(version="p", train_weeks=(0, 5), seed=31, metrics={})
    )
    table = product_table(store.catalog)
    return table, Recommender(OnnxModelRunner(path), table)


def _history(table: ProductTable, n: int, start: int = 0) -> tuple[int, ...]:
    return tuple(i for i in range(start, N) if table.product(i).recommendable)[:n]


def test_related_items_for_everyone_at_a_scan_and_nothing_personal_without_consent(
    store_and_model: tuple[ProductTable, Recommender],
) -> None:
    table, rec = store_and_model
    anonymous = Shopper(history=_history(table, 10), pickup_order=(1, 2))
    decision, visit = rec.at(T0, None, Moment.SCAN, anonymous, scanned=5)
    assert 0 < len(decision.related) <= RELATED_COUNT
    assert decision.personal == ()
    assert visit.personal_shown == ()
    for s in decision.related:
        assert s.kind is Kind.RELATED
        assert s.sku != table.product(5).sku
        assert table.product(5).name in s.why or s.reason is Reason.POPULAR


def test_history_is_not_even_asked_about_without_personal_recs() -> None:
    p = plan(T0, None, Moment.SCAN, {Purpose.PICKUP_OFFERS}, scanned=1, history=(2, 3, 4))
    assert [q.kind for q in p.questions] == [Kind.RELATED]
    assert all(2 not in q.context for q in p.questions)
    p = plan(T0, None, Moment.SCAN, {Purpose.PERSONAL_RECS}, scanned=1, history=(2, 3, 4))
    assert [q.kind for q in p.questions] == [Kind.RELATED, Kind.PERSONAL]
    assert p.questions[1].context == (2, 3, 4)


def test_pickup_suggestions_only_with_pickup_offers() -> None:
    order = (10, 11)
    without = plan(T0, None, Moment.PICKUP, {Purpose.PERSONAL_RECS}, pickup_order=order)
    assert without.questions == ()
    with_it = plan(T0, None, Moment.PICKUP, {Purpose.PICKUP_OFFERS}, pickup_order=order)
    assert [q.kind for q in with_it.questions] == [Kind.PICKUP]
    assert with_it.questions[0].context == order


@pytest.mark.parametrize("moment", [Moment.ENTRY, Moment.WALKING])
def test_nothing_on_entry_or_while_walking(
    store_and_model: tuple[ProductTable, Recommender], moment: Moment
) -> None:
    table, rec = store_and_model
    shopper = Shopper(ALL, _history(table, 10), (3, 4))
    decision, _ = rec.at(T0, None, moment, shopper, scanned=5)
    assert decision.related == ()
    assert decision.personal == ()


moments = st.lists(
    st.tuples(st.sampled_from(list(Moment)), st.integers(0, N - 1), st.floats(1, 600)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=30, deadline=None)
@given(journey=moments)
def test_at_most_three_personal_a_visit_never_repeated(
    store_and_model: tuple[ProductTable, Recommender],
    journey: list[tuple[Moment, int, float]],
) -> None:
    table, rec = store_and_model
    shopper = Shopper(ALL, _history(table, 12), _history(table, 3, start=500))
    visit: Visit | None = None
    now = T0
    personal: list[str] = []
    for moment, scanned, gap in journey:
        now += gap  # gaps under VISIT_IDLE_S: one visit
        decision, visit = rec.at(now, visit, moment, shopper, scanned=scanned)
        if moment in (Moment.ENTRY, Moment.WALKING):
            assert decision.personal == ()
        personal += [s.sku for s in decision.personal]
        related = {s.sku for s in decision.related}
        assert not related & {s.sku for s in decision.personal}
    assert len(personal) <= PERSONAL_CAP
    assert len(set(personal)) == len(personal)


def test_the_cap_is_reached_and_a_new_visit_starts_after_idle(
    store_and_model: tuple[ProductTable, Recommender],
) -> None:
    table, rec = store_and_model
    shopper = Shopper(frozenset({Purpose.PERSONAL_RECS}), _history(table, 12))
    visit: Visit | None = None
    shown: list[Suggestion] = []
    for n in range(6):
        decision, visit = rec.at(T0 + n, visit, Moment.SCAN, shopper, scanned=100 + n)
        shown += decision.personal
    assert len(shown) == PERSONAL_CAP
    assert all(s.reason is Reason.HISTORY for s in shown)
    decision, later = rec.at(T0 + 6 + VISIT_IDLE_S + 1, visit, Moment.CHECKOUT, shopper)
    assert len(decision.personal) == 1
    assert later.started > T0 + 6


def test_price_is_the_catalogs_one_price_for_every_shopper(
    store_and_model: tuple[ProductTable, Recommender],
) -> None:
    table, rec = store_and_model
    consents = [
        frozenset(),
        frozenset({Purpose.PERSONAL_RECS}),
        frozenset({Purpose.PICKUP_OFFERS}),
        ALL,
    ]
    shoppers = [
        Shopper(c, _history(table, 5 + 3 * h, start=40 * h), (7 + h, 70 + h), lang)
        for h, (c, lang) in enumerate(
            (c, lang) for c in consents for lang in ("en", "de", "fi", "sv-SE", "nl", "da")
        )
    ]
    price_seen: dict[str, set[int]] = {}
    for shopper in shoppers:
        visit: Visit | None = None
        for n, (moment, scanned) in enumerate(
            [(Moment.SCAN, 5), (Moment.SCAN, 9), (Moment.CHECKOUT, None), (Moment.PICKUP, None)]
        ):
            decision, visit = rec.at(T0 + n, visit, moment, shopper, scanned=scanned)
            for s in (*decision.related, *decision.personal):
                catalog_price = next(
                    table.product(i).price_cents for i in range(N) if table.product(i).sku == s.sku
                )
                assert s.price_cents == catalog_price
                price_seen.setdefault(s.sku, set()).add(s.price_cents)
    assert len(price_seen) > RELATED_COUNT
    assert all(len(prices) == 1 for prices in price_seen.values())
    # and a suggestion has nowhere to put a discount or a personal price
    names = {f.name for f in dataclasses.fields(Suggestion)}
    assert not {n for n in names if "discount" in n or "offer_price" in n or "promo" in n}


def test_out_of_stock_and_unrecommendable_items_are_never_suggested(
    store_and_model: tuple[ProductTable, Recommender],
) -> None:
    table, rec = store_and_model
    blocked = set(table.unavailable())
    assert blocked  # the simulated catalog has both kinds
    for scanned in range(0, N, 37):
        decision, _ = rec.at(T0, None, Moment.SCAN, Shopper(), scanned=scanned)
        skus = {s.sku for s in decision.related}
        assert not skus & {table.product(i).sku for i in blocked}


def test_decide_skips_items_already_shown_and_falls_back_to_popular_why() -> None:
    products = ProductTable([Product(i, f"sku{i}", f"item {i}", 100 + i) for i in range(6)])
    visit = Visit(T0, T0, personal_shown=(2,))
    p = plan(T0 + 1, visit, Moment.CHECKOUT, {Purpose.PERSONAL_RECS}, history=(0, 1))
    answers = [[Candidate(2, 0.9, 0), Candidate(3, 0.5, None), Candidate(4, 0.4, 1)]]
    decision, after = decide(T0 + 1, p, answers, products, "de")
    assert [s.sku for s in decision.personal] == ["sku3"]
    assert decision.personal[0].why == "Beliebt in diesem Markt"
    assert decision.personal[0].price_cents == 103
    assert after.personal_shown == (2, 3)


def test_why_in_every_language_names_the_anchor() -> None:
    seen = set()
    for lang in LANGUAGES:
        for reason in (Reason.TOGETHER, Reason.HISTORY, Reason.PICKUP):
            text = why(reason, "Alpen pasta", lang)
            assert "Alpen pasta" in text
            seen.add(text)
    assert len(seen) == 3 * len(LANGUAGES)  # really translated, not copied
    assert why(Reason.TOGETHER, "x", "sv") == "Köps ofta tillsammans med x"


def test_suggestions_carry_name_price_and_why_and_no_discount(
    store_and_model: tuple[ProductTable, Recommender],
) -> None:
    table, rec = store_and_model
    shopper = Shopper(ALL, _history(table, 8), language="nl")
    decision, _ = rec.at(T0, None, Moment.SCAN, shopper, scanned=20)
    assert decision.related
    assert len(decision.personal) == 1
    names = {f.name for f in dataclasses.fields(Suggestion)}
    assert names == {"kind", "sku", "name", "price_cents", "reason", "why", "anchor_sku"}
    assert decision.personal[0].why.startswith("Omdat u hier eerder")


@settings(max_examples=200, deadline=None)
@given(
    consents=st.frozensets(st.sampled_from(list(Purpose))),
    moment=st.sampled_from(list(Moment)),
    scanned=st.none() | st.integers(0, 50),
    history=st.lists(st.integers(0, 50), max_size=10),
    order=st.lists(st.integers(0, 50), max_size=4),
    shown=st.lists(st.integers(0, 50), max_size=4, unique=True),
)
def test_plan_asks_only_what_consent_and_moment_allow(
    *,
    consents: frozenset[Purpose],
    moment: Moment,
    scanned: int | None,
    history: list[int],
    order: list[int],
    shown: list[int],
) -> None:
    visit = Visit(T0, T0, personal_shown=tuple(shown))
    p = plan(T0 + 1, visit, moment, consents, scanned=scanned, history=history, pickup_order=order)
    kinds = [q.kind for q in p.questions]
    assert (Kind.RELATED in kinds) == (moment is Moment.SCAN and scanned is not None)
    if Kind.PERSONAL in kinds:
        assert Purpose.PERSONAL_RECS in consents
        assert moment in (Moment.SCAN, Moment.CHECKOUT, Moment.ASKED)
    if Kind.PICKUP in kinds:
        assert Purpose.PICKUP_OFFERS in consents
        assert moment is Moment.PICKUP
    if len(shown) >= PERSONAL_CAP or moment in (Moment.ENTRY, Moment.WALKING):
        assert kinds in ([], [Kind.RELATED])
    for q in p.questions:
        if q.kind is not Kind.RELATED:
            assert set(shown) <= set(q.exclude)
            assert set(q.context) <= set(history) | set(order)


def test_asked_shows_up_to_the_cap_at_once_and_nothing_without_consent(
    store_and_model: tuple[ProductTable, Recommender],
) -> None:
    # The phone's "For you" page: the shopper asked, so up to the cap at once, no more.
    table, rec = store_and_model
    history = _history(table, 8)
    mine = Shopper(frozenset({Purpose.PERSONAL_RECS}), history)
    decision, visit = rec.at(T0, None, Moment.ASKED, mine)
    assert len(decision.personal) == PERSONAL_CAP
    assert decision.related == ()
    assert not {s.sku for s in decision.personal} & {table.product(i).sku for i in history}
    again, _ = rec.at(T0 + 1, visit, Moment.ASKED, mine)
    assert again.personal == ()  # the cap holds for the rest of the visit
    refused, _ = rec.at(T0, None, Moment.ASKED, Shopper(frozenset(), history))
    assert refused.personal == ()
