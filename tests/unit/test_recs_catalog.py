"""The recommender over a product catalog: the model names its items by GTIN; names, the
one price, stock and "never suggest" come from the catalog as it is now."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import replace
from pathlib import Path

import pytest

from domain.backends.onnx_model import OnnxModelRunner
from domain.catalog.products import Catalog
from domain.recs.catalog_recs import Asker, CatalogRecommender
from domain.recs.errors import ModelItemsError, UnnamedItemsError
from domain.recs.model_slot import (
    ModelInstaller,
    RecsSettings,
    load_model_file,
    open_recommender,
)
from domain.recs.policy import Moment
from protocol.models import ModelPush
from protocol.purposes import Purpose
from simulators.baskets import make_store, split_by_week
from simulators.demo_shop import DemoShop, demo_shop
from simulators.recs_train import metadata_for, save_onnx, train

T0 = 1_800_000_000.0


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    return demo_shop(tmp_path_factory.mktemp("shop"))


def _model(path: Path, items: tuple[str, ...] = ()) -> Path:
    store = make_store(2000, seed=1)
    train_b, _ = split_by_week(store)
    meta = metadata_for(version=path.stem, train_weeks=(0, 5), seed=1, metrics={}, items=items)
    save_onnx(train(train_b, 2000), path, meta)
    return path


def test_suggestions_name_catalog_products_and_follow_stock_changes(
    tmp_path: Path, shop: DemoShop
) -> None:
    catalog = Catalog(shop.products)  # a catalog of our own to change
    model = open_recommender(
        RecsSettings(model_path=shop.model_path, models_dir=tmp_path), OnnxModelRunner
    )
    recs = CatalogRecommender(model, catalog)
    scanned = next(p for p in shop.products if p.stock > 0 and p.suggest)
    decision, _ = recs.at(T0, None, Moment.SCAN, Asker(), scanned=scanned.gtin)
    assert decision.related
    first = decision.related[0]
    product = catalog.get(first.sku)
    assert product is not None
    assert (first.name, first.price_cents) == (product.name, product.price_cents)
    assert first.anchor_sku == scanned.gtin
    catalog.update(first.sku, stock=0)  # sold out since: no longer suggested
    again, _ = recs.at(T0, None, Moment.SCAN, Asker(), scanned=scanned.gtin)
    assert first.sku not in {s.sku for s in again.related}
    catalog.put(replace(product, stock=5, suggest=False))  # now marked never to suggest
    third, _ = recs.at(T0, None, Moment.SCAN, Asker(), scanned=scanned.gtin)
    assert first.sku not in {s.sku for s in third.related}
    catalog.withdraw(scanned.gtin)
    assert recs.index_of(scanned.gtin) is not None  # the model still knows it ...
    fourth, _ = recs.at(T0, None, Moment.SCAN, Asker(), scanned=scanned.gtin)
    assert scanned.gtin not in {s.sku for s in fourth.related}  # ... it is never offered


def test_history_by_gtin_counts_only_under_personal_recs(shop: DemoShop) -> None:
    shelf = [p.gtin for p in shop.products if p.stock > 0 and p.suggest]
    history = (*shelf[10:16], "00000000000000")  # a GTIN the model does not know: ignored
    mine = Asker(frozenset({Purpose.PERSONAL_RECS}), history)
    decision, _ = shop.recommender.at(T0, None, Moment.ASKED, mine)
    assert len(decision.personal) == 3
    assert all(s.anchor_sku in history for s in decision.personal)
    others = Asker(frozenset({Purpose.ANALYTICS}), history)
    assert shop.recommender.at(T0, None, Moment.ASKED, others)[0].personal == ()


def test_a_model_must_name_its_items(tmp_path: Path, shop: DemoShop) -> None:
    unnamed = load_model_file(OnnxModelRunner, _model(tmp_path / "unnamed.onnx"))
    with pytest.raises(UnnamedItemsError, match="train-recs"):
        CatalogRecommender(unnamed, shop.catalog)


def test_a_pushed_model_must_name_the_same_items_and_survives_a_restart(
    tmp_path: Path, shop: DemoShop
) -> None:
    keys = tuple(p.gtin for p in shop.products)
    settings = RecsSettings(model_path=_model(tmp_path / "base.onnx", keys), models_dir=tmp_path)
    slot = open_recommender(settings, OnnxModelRunner)
    installer = ModelInstaller(slot, settings, OnnxModelRunner)
    other = _model(tmp_path / "other.onnx", tuple(reversed(keys))).read_bytes()
    with pytest.raises(ModelItemsError):
        installer.install(other, hashlib.sha256(other).hexdigest())
    assert slot.version == "base"
    blob = _model(tmp_path / "newer.onnx", keys).read_bytes()
    push = ModelPush(
        name="recs", version="newer", sha256=hashlib.sha256(blob).hexdigest(),
        content_b64=base64.b64encode(blob).decode(),
    )  # fmt: skip
    assert installer.install_push(push) == "model newer in service"
    time.sleep(0.01)
    assert open_recommender(settings, OnnxModelRunner).version == "newer"  # after a restart, too
