"""The demo shop's products and recommender, from the simulated baskets: the kiosk shows
each scanned product with its related items from the model trained on those baskets."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from edge.recs.model_slot import RecsSettings, open_recommender
from edge.recs.policy import Moment
from edge.recs.service import Recommender, Shopper
from edge.scan.catalog import Product
from edge.scan.gtin import check_digit, gtin14
from simulators.baskets import make_store, product_table
from simulators.recs_cli import build_model_file

ITEMS: Final = 2000  # a small shop: trains in about a second at install or start


@dataclass(frozen=True, slots=True)
class DemoShop:
    products: list[Product]
    recommender: Recommender
    sku_to_product: dict[str, Product]
    index_of: dict[str, int]  # gtin -> model item

    def related(self, product: Product) -> Sequence[Product]:
        """Items bought together with ``product`` (product information, for everyone)."""
        index = self.index_of.get(product.gtin)
        if index is None:
            return []
        decision, _ = self.recommender.at(time.time(), None, Moment.SCAN, Shopper(), index)
        return [self.sku_to_product[s.sku] for s in decision.related]


def _gtin(index: int) -> str:
    """A valid GTIN for item ``index``. Not in the in-store range 20-29: scanners read
    those as variable-measure codes with a price inside, as the kiosk does too."""
    body = f"40{index:010d}"
    return gtin14(body + str(check_digit(body)))


def demo_shop(root: Path, seed: int = 1) -> DemoShop:
    """Products and a recommender trained on their simulated baskets (model under ``root``)."""
    root.mkdir(parents=True, exist_ok=True)
    model = root / "recs.onnx"
    if not model.exists():
        build_model_file(model, items=ITEMS, seed=seed, version="demo")
    catalog = make_store(ITEMS, seed=seed).catalog
    products = [
        Product(
            gtin=_gtin(i),
            name=catalog.name[i].split(" #")[0],
            price_cents=int(catalog.price_cents[i]),
            description=f"{catalog.category_names[int(catalog.category[i])].title()}.",
            stock=20 if bool(catalog.in_stock[i]) else 0,
        )
        for i in range(catalog.size)
    ]
    recommender = Recommender(
        open_recommender(RecsSettings(model_path=model, models_dir=root / "models")),
        product_table(catalog),
    )
    return DemoShop(
        products=products,
        recommender=recommender,
        sku_to_product={catalog.sku[i]: products[i] for i in range(catalog.size)},
        index_of={p.gtin: i for i, p in enumerate(products)},
    )
