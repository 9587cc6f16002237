"""A store's recommender, started the same way by the kiosk, the hub's phone pages and
the demo: its catalog, the newest model (pushed from the hub, else the configured one)
and the installer that swaps in the next pushed model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from domain.catalog.products import Catalog
from domain.recs.catalog_recs import CatalogRecommender
from domain.recs.model_slot import ModelInstaller, RecsSettings, open_recommender
from domain.recs.ports import ModelLoader


@dataclass(frozen=True, slots=True)
class StoreRecs:
    recommender: CatalogRecommender
    installer: ModelInstaller


def open_store_recs(catalog: Catalog, model_path: Path, load: ModelLoader) -> StoreRecs:
    """Suggestions over ``catalog`` from the model at ``model_path`` (or the newest pushed
    one, kept in ``models/`` beside it), each model loaded with ``load``."""
    settings = RecsSettings.beside(model_path)
    slot = open_recommender(settings, load)
    return StoreRecs(CatalogRecommender(slot, catalog), ModelInstaller(slot, settings, load))
