"""The demo shop's products and recommender, from the simulated baskets: the kiosk shows
each scanned product with its related items from the model trained on those baskets, and
a paired shopper who opted in their suggestions from what they scanned before."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson

from domain.backends.onnx_model import OnnxModelRunner
from domain.catalog.products import Catalog, Product
from domain.recs.catalog_recs import CatalogRecommender
from domain.recs.store import open_store_recs
from simulators.baskets import make_store, never_suggested
from simulators.recs_model import build_model_file

ITEMS: Final = 2000  # a small shop: trains in about a second at install or start


@dataclass(frozen=True, slots=True)
class DemoShop:
    products: list[Product]
    catalog: Catalog
    recommender: CatalogRecommender  # trained on the shop's own simulated baskets
    model_path: Path

    def write_feed(self, path: Path) -> Path:
        """The catalog as a JSON product feed (what a POS export would be), for the hub."""
        rows = [
            {"gtin": p.gtin, "name": p.name, "price_cents": p.price_cents,
             "description": p.description, "stock": p.stock, "suggest": p.suggest}
            for p in self.products
        ]  # fmt: skip
        path.write_bytes(orjson.dumps({"products": rows}))
        return path


def demo_shop(root: Path, seed: int = 1) -> DemoShop:
    """Products and a recommender trained on their simulated baskets (model under ``root``)."""
    root.mkdir(parents=True, exist_ok=True)
    model = root / "recs.onnx"
    if not model.exists():
        build_model_file(model, items=ITEMS, seed=seed, version="demo")
    sim = make_store(ITEMS, seed=seed).catalog
    products = [
        Product(
            gtin=sim.sku[i],
            name=sim.name[i].split(" #")[0],
            price_cents=int(sim.price_cents[i]),
            description=f"{sim.category_names[int(sim.category[i])].title()}.",
            stock=20 if bool(sim.in_stock[i]) else 0,
            suggest=not never_suggested(sim, i),
        )
        for i in range(sim.size)
    ]
    catalog = Catalog(products)
    recs = open_store_recs(catalog, model, OnnxModelRunner)
    return DemoShop(products, catalog, recs.recommender, model)
