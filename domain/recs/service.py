"""The recommender as the kiosk and phone pages call it: policy, model, policy.

:func:`domain.recs.policy.plan` decides which questions may be asked (consent decides
whether history is touched at all), the model answers them, and
:func:`domain.recs.policy.decide` picks what is shown. Time comes in as ``now``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from domain.errors import InputError
from domain.recs.errors import ModelMismatchError
from domain.recs.policy import (
    Candidate,
    Decision,
    Moment,
    Plan,
    Product,
    Visit,
    decide,
    plan,
)
from domain.recs.ports import ModelRunner
from protocol.purposes import Purpose


class ProductTable:
    """An in-memory :class:`domain.recs.policy.ProductBook`: product ``i`` is item ``i`` of
    the model."""

    def __init__(self, products: Sequence[Product]) -> None:
        for i, p in enumerate(products):
            if p.index != i:
                raise InputError(f"product {p.sku} has index {p.index}, expected {i}")
        self._products = tuple(products)
        self._unavailable = tuple(p.index for p in products if not (p.in_stock and p.recommendable))

    def __len__(self) -> int:
        return len(self._products)

    def product(self, index: int) -> Product:
        return self._products[index]

    def unavailable(self) -> tuple[int, ...]:
        """Items never to suggest now: out of stock or not recommendable."""
        return self._unavailable


@dataclass(frozen=True, slots=True)
class Shopper:
    """What the kiosk knows about whoever stands at it. Anonymous: no consents, no
    history; the history and pickup order are only read when a purpose allows it."""

    consents: frozenset[Purpose] = frozenset()
    history: tuple[int, ...] = ()
    pickup_order: tuple[int, ...] = ()
    language: str | None = None


class Recommender:
    """Related items for everyone, personal suggestions for those who opted in."""

    def __init__(self, model: ModelRunner, products: ProductTable) -> None:
        if model.n_items != len(products):
            raise ModelMismatchError(model.n_items, len(products))
        self._model = model
        self._products = products

    def at(
        self,
        now: float,
        visit: Visit | None,
        moment: Moment,
        shopper: Shopper,
        scanned: int | None = None,
    ) -> tuple[Decision, Visit]:
        """What to show at ``moment``, and the visit's state afterwards."""
        planned: Plan = plan(
            now,
            visit,
            moment,
            shopper.consents,
            scanned=scanned,
            history=shopper.history if Purpose.PERSONAL_RECS in shopper.consents else (),
            pickup_order=(
                shopper.pickup_order if Purpose.PICKUP_OFFERS in shopper.consents else ()
            ),
        )
        answers = [self._ask(q.context, q.weights, q.exclude, q.k) for q in planned.questions]
        return decide(now, planned, answers, self._products, shopper.language)

    def _ask(
        self,
        context: Sequence[int],
        weights: Sequence[float],
        exclude: Collection[int],
        k: int,
    ) -> list[Candidate]:
        ex = [*exclude, *self._products.unavailable()]
        return [Candidate(i, s, a) for i, s, a in self._model.recommend(context, ex, k, weights)]
