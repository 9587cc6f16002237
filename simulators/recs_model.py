"""The recommender model file from simulated baskets (``instore-sim train-recs``).

The demo builds it at install or start time; no model binary is committed.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
from tqdm import tqdm

from simulators.baskets import make_store, split_by_week
from simulators.bench.recs import (
    TEST_WEEKS,
    coverage,
    make_queries,
    popularity_tops,
    ranking_metrics,
)
from simulators.recs_train import cooccurrence, metadata_for, save_onnx, score_numpy, train

METRIC_QUERIES: Final = 2_000  # held-out baskets scored for the metadata's metrics


def build_model_file(
    out: Path, *, items: int, seed: int, version: str, progress: bool = False
) -> dict[str, str]:
    """Generate a store, train on its earlier weeks, score on the later ones, and write
    the ONNX model with its metadata to ``out``. Returns the metadata."""
    with tqdm(total=4, desc="train-recs", file=sys.stderr, disable=not progress) as bar:
        store = make_store(items, seed=seed)
        train_b, test_b = split_by_week(store, TEST_WEEKS)
        bar.update()
        model = train(train_b, items)
        bar.update()
        queries = make_queries(test_b, np.random.default_rng(seed + 1), METRIC_QUERIES)
        tops = []
        for q in queries:
            scores = score_numpy(model, q.context.tolist(), exclude=q.context.tolist())
            top = np.argpartition(-scores, 10)[:10]
            tops.append(top[np.argsort(-scores[top])].astype(np.int64))
        recall, ndcg = ranking_metrics(tops, queries)
        _, counts = cooccurrence(train_b, items)
        pop_recall, _ = ranking_metrics(popularity_tops(counts, queries), queries)
        bar.update()
        cut = store.weeks - TEST_WEEKS
        meta = metadata_for(
            version=version,
            train_weeks=(0, cut - 1),
            seed=seed,
            items=store.catalog.sku,
            metrics={
                "recall_at_10": recall,
                "ndcg_at_10": ndcg,
                "popularity_recall_at_10": pop_recall,
                "coverage": coverage(tops, items),
                "test_weeks": float(TEST_WEEKS),
            },
        )
        meta["created"] = datetime.now(UTC).isoformat(timespec="seconds")
        save_onnx(model, out, meta)
        bar.update()
    return meta
