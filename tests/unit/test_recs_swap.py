"""A model pushed from the hub is swapped in without dropping a request."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from domain.backends.onnx_model import OnnxModelRunner
from domain.recs.errors import ModelError, ModelMismatchError
from domain.recs.model_slot import (
    ModelInstaller,
    RecsSettings,
    load_model_file,
    open_recommender,
)
from simulators.baskets import make_store, split_by_week
from simulators.recs_train import metadata_for, save_onnx, train

N = 1_000
QUERIES = [[q, (q * 7) % N] for q in range(0, N, 50)]


def _model_bytes(tmp: Path, seed: int, version: str, n: int = N) -> bytes:
    store = make_store(n, seed=seed)
    train_b, _ = split_by_week(store)
    path = tmp / f"{version}.onnx"
    meta = metadata_for(version=version, train_weeks=(0, 5), seed=seed, metrics={})
    save_onnx(train(train_b, n), path, meta)
    return path.read_bytes()


@pytest.fixture(scope="module")
def blobs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("blobs")
    return {
        "a": _model_bytes(tmp, 41, "a"),
        "b": _model_bytes(tmp, 42, "b"),
        "small": _model_bytes(tmp, 43, "small", n=400),
    }


def _settings(tmp_path: Path, blob: bytes) -> RecsSettings:
    first = tmp_path / "first.onnx"
    first.write_bytes(blob)
    return RecsSettings(model_path=first, models_dir=tmp_path / "models")


def test_requests_during_swaps_all_succeed_on_one_whole_model(
    tmp_path: Path, blobs: dict[str, bytes]
) -> None:
    settings = _settings(tmp_path, blobs["a"])
    slot = open_recommender(settings, OnnxModelRunner)
    installer = ModelInstaller(slot, settings, OnnxModelRunner)
    expected = {}
    for name in ("a", "b"):
        path = tmp_path / f"ref-{name}.onnx"
        path.write_bytes(blobs[name])
        ref = load_model_file(OnnxModelRunner, path)
        expected[name] = [tuple(ref.recommend(q, q, 5)) for q in QUERIES]
    assert expected["a"] != expected["b"]

    stop = threading.Event()
    errors: list[BaseException] = []
    answered = {"a": 0, "b": 0}
    lock = threading.Lock()

    def shopper(offset: int) -> None:
        n = offset
        while not stop.is_set():
            i = n % len(QUERIES)
            try:
                got = tuple(slot.recommend(QUERIES[i], QUERIES[i], 5))
            except BaseException as exc:
                errors.append(exc)
                return
            which = [k for k in ("a", "b") if got == expected[k][i]]
            if not which:
                errors.append(AssertionError(f"answer from neither model: {got}"))
                return
            with lock:
                answered[which[0]] += 1
            n += 1

    threads = [threading.Thread(target=shopper, args=(k * 7,)) for k in range(4)]
    for t in threads:
        t.start()
    versions = []
    for n in range(8):
        name = "b" if n % 2 == 0 else "a"
        blob = blobs[name]
        versions.append(installer.install(blob, hashlib.sha256(blob).hexdigest()))
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert errors == []
    assert versions == ["b", "a"] * 4
    assert slot.version == "a"
    assert answered["a"] > 0
    assert answered["b"] > 0
    assert len(list(settings.models_dir.glob("recs-*.onnx"))) == 2  # current and previous


def test_a_bad_push_is_refused_and_the_old_model_keeps_serving(
    tmp_path: Path, blobs: dict[str, bytes]
) -> None:
    settings = _settings(tmp_path, blobs["a"])
    slot = open_recommender(settings, OnnxModelRunner)
    installer = ModelInstaller(slot, settings, OnnxModelRunner)
    before = slot.recommend([1, 2], [1, 2], 5)
    with pytest.raises(ModelError, match="SHA-256"):
        installer.install(blobs["b"], "0" * 64)
    junk, small = b"garbage", blobs["small"]
    with pytest.raises(ModelError, match="cannot load"):
        installer.install(junk, hashlib.sha256(junk).hexdigest())
    with pytest.raises(ModelError, match="400 items"):
        installer.install(small, hashlib.sha256(small).hexdigest())
    assert slot.version == "a"
    assert slot.recommend([1, 2], [1, 2], 5) == before


def test_swap_refuses_a_model_for_another_catalog(tmp_path: Path, blobs: dict[str, bytes]) -> None:
    slot = open_recommender(_settings(tmp_path, blobs["a"]), OnnxModelRunner)
    small = tmp_path / "small.onnx"
    small.write_bytes(blobs["small"])
    with pytest.raises(ModelMismatchError):
        slot.swap(load_model_file(OnnxModelRunner, small))
    assert slot.n_items == N
