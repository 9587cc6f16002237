"""The simulated catalog and baskets, training, the bench and train-recs commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from domain.backends.onnx_model import OnnxModelRunner
from simulators.baskets import (
    CatalogError,
    make_catalog,
    make_store,
    product_table,
    split_by_week,
)
from simulators.bench.recs import run_recs_bench
from simulators.cli import main as sim_main
from simulators.recs_train import cooccurrence, train

BENCH_KEYS = {
    "items",
    "recall_at_10",
    "popularity_recall_at_10",
    "cooccurrence_recall_at_10",
    "ndcg_at_10",
    "coverage",
    "p99_ms",
}


def test_same_seed_same_store_other_seed_other_store() -> None:
    a, b, c = (make_store(600, seed=s) for s in (4, 4, 5))
    assert np.array_equal(a.baskets.items, b.baskets.items)
    assert a.catalog.name == b.catalog.name
    assert not np.array_equal(a.baskets.items[:200], c.baskets.items[:200])


def test_baskets_hold_one_item_per_category_and_split_by_week() -> None:
    store = make_store(1_000, seed=2, weeks=6)
    cat = store.catalog
    for b in range(0, len(store.baskets), 97):
        items = store.baskets.basket(b)
        assert len(set(cat.category[items].tolist())) == len(items)  # no two substitutes
    train_b, test_b = split_by_week(store, 2)
    assert set(train_b.week.tolist()) == {0, 1, 2, 3}
    assert set(test_b.week.tolist()) == {4, 5}
    assert len(train_b) + len(test_b) == len(store.baskets)
    assert len(train_b.items) + len(test_b.items) == len(store.baskets.items)


def test_complements_are_bought_together_far_more_than_chance() -> None:
    store = make_store(1_000, seed=3)
    together, counts = cooccurrence(store.baskets, store.catalog.size)
    comp = store.catalog.complements[:, 0]
    pair = np.asarray(together[np.arange(store.catalog.size), comp]).ravel()
    n = len(store.baskets)
    expected = counts * counts[comp] / n  # if they were independent
    seen = counts > 20
    assert pair[seen].sum() > 3 * expected[seen].sum()


def test_catalog_has_one_price_per_item_and_refuses_tiny_sizes() -> None:
    cat = make_catalog(300, np.random.default_rng(1))
    assert (cat.price_cents > 0).all()
    assert len(set(cat.sku)) == cat.size
    table = product_table(cat)
    assert [table.product(i).price_cents for i in range(cat.size)] == cat.price_cents.tolist()
    with pytest.raises(CatalogError):
        make_catalog(5, np.random.default_rng(1))
    with pytest.raises(CatalogError):
        make_store(300, seed=1, weeks=1)
    with pytest.raises(CatalogError, match="seed"):
        make_store(300, seed=-1)


def test_training_keeps_the_strongest_neighbours_first() -> None:
    store = make_store(800, seed=6)
    train_b, _ = split_by_week(store)
    model = train(train_b, 800, neighbours=8)
    assert model.neighbours.shape == (800, 8)
    assert (np.diff(model.weights, axis=1) <= 0).all()  # best first, padding last
    together, counts = cooccurrence(train_b, 800)
    i = int(np.argmax(counts))
    best = int(np.argmax(together[i].toarray().ravel() / (counts[i] + 10.0)))
    assert model.neighbours[i, 0] == best


def test_bench_prints_exactly_the_contract_keys_and_beats_popularity() -> None:
    result = run_recs_bench(3_000, seed=12, n_queries=400, progress=False)
    assert set(result) == BENCH_KEYS
    assert result["items"] == 3_000
    assert result["recall_at_10"] > result["popularity_recall_at_10"]
    assert 0 < result["coverage"] <= 1
    assert 0 < result["ndcg_at_10"] <= 1


def test_bench_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = sim_main(
        ["bench", "recs", "--json", "--items", "1500", "--seed", "3", "--queries", "200"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == BENCH_KEYS


def test_train_recs_writes_a_model_with_its_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "models" / "recs.onnx"
    code = sim_main(["train-recs", str(out), "--items", "1200", "--seed", "9", "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    runner = OnnxModelRunner(out)
    assert runner.n_items == 1200
    assert runner.metadata["trained_on_weeks"] == "0-5"
    assert runner.metadata["version"] == printed["version"] == "sim-1"
    metrics = json.loads(runner.metadata["metrics"])
    assert metrics["recall_at_10"] > metrics["popularity_recall_at_10"]


def test_train_recs_refuses_a_tiny_catalog_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = sim_main(["train-recs", str(tmp_path / "m.onnx"), "--items", "10"])
    assert code == 1
    err = capsys.readouterr().err
    assert "at least 100 items" in err
    assert "Traceback" not in err
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--items", "50"], "at least 100 items"),
        (["--items", "500", "--seed", "-3"], "seed must be 0 or more"),
        (["--items", "500", "--queries", "0"], "at least one query"),
    ],
)
def test_bench_refuses_bad_arguments_with_one_sentence(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert sim_main(["bench", "recs", "--json", *argv]) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
