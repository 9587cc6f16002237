"""The recommender over a product catalog, by GTIN: what the kiosk and the hub's phone
page ask.

The model names its items (the GTIN of each, in its metadata); names, the one price,
stock and "never suggest" come from the catalog, which changes during the day, so the
table the policy reads is rebuilt when the catalog's revision moves. An item the model
knows and the catalog does not (yet) is never suggested.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from domain.catalog.products import Catalog
from domain.recs.errors import UnnamedItemsError
from domain.recs.policy import Decision, Moment, Product, Visit
from domain.recs.ports import ModelRunner
from domain.recs.service import ProductTable, Recommender, Shopper
from protocol.purposes import Purpose


@dataclass(frozen=True, slots=True)
class Asker:
    """Whoever the suggestions are for: anonymous (no consents, no history) by default.
    ``history`` holds GTINs, oldest first; it is only read under ``personal_recs``."""

    consents: frozenset[Purpose] = frozenset()
    history: tuple[str, ...] = ()
    language: str | None = None


class CatalogRecommender:
    """Related items for everyone and personal suggestions for those who opted in, with
    products named by GTIN."""

    def __init__(self, model: ModelRunner, catalog: Catalog) -> None:
        keys = model.item_keys
        if keys is None:
            raise UnnamedItemsError
        self._model = model
        self._keys = keys
        self._index = {gtin: i for i, gtin in enumerate(keys)}
        self._catalog = catalog
        self._lock = threading.Lock()
        self._revision = -1
        self._recommender: Recommender | None = None

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def index_of(self, gtin: str) -> int | None:
        """The model item of a product, or None if the model does not know it."""
        return self._index.get(gtin)

    def at(
        self,
        now: float,
        visit: Visit | None,
        moment: Moment,
        asker: Asker,
        scanned: str | None = None,
    ) -> tuple[Decision, Visit]:
        """What to show at ``moment`` (``scanned``: the GTIN just scanned, if any);
        suggestions name their products by GTIN in ``Suggestion.sku``."""
        item = None if scanned is None else self._index.get(scanned)
        shopper = Shopper(
            consents=asker.consents,
            history=self._items(asker.history),
            language=asker.language,
        )
        return self._current().at(now, visit, moment, shopper, scanned=item)

    def _items(self, gtins: Sequence[str]) -> tuple[int, ...]:
        return tuple(i for i in (self._index.get(g) for g in gtins) if i is not None)

    def _current(self) -> Recommender:
        with self._lock:
            if self._recommender is None or self._revision != self._catalog.revision:
                self._revision = self._catalog.revision
                self._recommender = Recommender(self._model, self._table())
            return self._recommender

    def _table(self) -> ProductTable:
        products = []
        for i, gtin in enumerate(self._keys):
            p = self._catalog.get(gtin)
            if p is None:
                products.append(Product(i, gtin, gtin, 0, in_stock=False, recommendable=False))
            else:
                products.append(
                    Product(i, gtin, p.name, p.price_cents, p.stock > 0, recommendable=p.suggest)
                )
        return ProductTable(products)
