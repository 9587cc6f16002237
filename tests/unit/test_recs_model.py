"""The ONNX export and the onnxruntime backend of the ModelRunner port."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.backends.onnx_model import OnnxModelRunner
from domain.recs.errors import ModelError
from domain.recs.ports import ModelRunner
from simulators.baskets import make_store, split_by_week
from simulators.recs_train import ShortlistModel, metadata_for, save_onnx, score_numpy, train

N = 1_500


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[ShortlistModel, Path]:
    store = make_store(N, seed=21)
    train_b, _ = split_by_week(store)
    model = train(train_b, N)
    path = tmp_path_factory.mktemp("recs") / "recs.onnx"
    meta = metadata_for(version="t-1", train_weeks=(0, 5), seed=21, metrics={"recall_at_10": 0.25})
    save_onnx(model, path, meta)
    return model, path


@pytest.fixture(scope="module")
def runner(trained: tuple[ShortlistModel, Path]) -> OnnxModelRunner:
    return OnnxModelRunner(trained[1])


def test_runner_is_a_model_runner_with_metadata(runner: OnnxModelRunner) -> None:
    port: ModelRunner = runner
    assert port.n_items == N
    assert port.version == "t-1"
    assert runner.metadata["trained_on_weeks"] == "0-5"
    assert '"recall_at_10": 0.25' in runner.metadata["metrics"]


def test_one_intra_op_thread_by_default(trained: tuple[ShortlistModel, Path]) -> None:
    proto = onnx.load(str(trained[1]))
    assert proto.opset_import[0].version >= 16  # ScatterElements(add)
    r = OnnxModelRunner(trained[1])
    assert r._session.get_session_options().intra_op_num_threads == 1


@settings(max_examples=40, deadline=None)
@given(
    context=st.lists(st.integers(0, N - 1), min_size=1, max_size=8),
    extra_exclude=st.lists(st.integers(0, N - 1), max_size=20),
    k=st.integers(1, 25),
)
def test_onnx_agrees_with_numpy_and_never_returns_an_excluded_item(
    trained: tuple[ShortlistModel, Path],
    runner: OnnxModelRunner,
    context: list[int],
    extra_exclude: list[int],
    k: int,
) -> None:
    model, _ = trained
    exclude = [*context, *extra_exclude]
    got = runner.recommend(context, exclude, k)
    assert len(got) == k
    assert not {i for i, _, _ in got} & set(exclude)
    scores = score_numpy(model, context, exclude=exclude)
    want = np.sort(scores)[::-1][:k]
    assert np.allclose([s for _, s, _ in got], want, rtol=1e-5, atol=1e-7)
    for item, score, _ in got:
        assert scores[item] == pytest.approx(score, rel=1e-5, abs=1e-7)


def test_anchor_is_the_context_item_that_contributed_most(
    trained: tuple[ShortlistModel, Path], runner: OnnxModelRunner
) -> None:
    model, _ = trained
    context = [int(np.argmax(model.weights[:, 0])), 7, 300]
    for item, _, anchor in runner.recommend(context, context, 10):
        contrib = [float(model.weights[c][model.neighbours[c] == item].sum()) for c in context]
        if max(contrib) == 0:
            assert anchor is None
        else:
            assert anchor == context[int(np.argmax(contrib))]


def test_weights_change_the_ranking(runner: OnnxModelRunner) -> None:
    a, b = 11, 900
    only_a = [i for i, _, _ in runner.recommend([a, b], [a, b], 5, [1.0, 0.0])]
    only_b = [i for i, _, _ in runner.recommend([a, b], [a, b], 5, [0.0, 1.0])]
    assert only_a == [i for i, _, _ in runner.recommend([a], [a, b], 5)]
    assert only_a != only_b


def test_fewer_results_when_almost_everything_is_excluded(runner: OnnxModelRunner) -> None:
    got = runner.recommend([3], list(range(N - 2)), 10)
    assert sorted(i for i, _, _ in got) == [N - 2, N - 1]
    assert runner.recommend([], [], 10) == []


def test_bad_input_and_bad_files_raise_model_error(tmp_path: Path, runner: OnnxModelRunner) -> None:
    with pytest.raises(ModelError, match="outside"):
        runner.recommend([N + 5], [], 3)
    with pytest.raises(ModelError, match="no such file"):
        OnnxModelRunner(tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load"):
        OnnxModelRunner(junk)
