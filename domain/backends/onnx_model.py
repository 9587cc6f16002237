"""The onnxruntime backend of the :class:`domain.recs.ports.ModelRunner` port.

One session per model file, reused for every request; one intra-op thread by default
(a kiosk serves one shopper at a time, and a second thread costs more in hand-off than
it saves on a graph this small). ``InferenceSession.run`` may be called from several
threads at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import numpy as np
import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

from domain.recs.errors import ModelError

MODEL_FORMAT: Final = "instore-recs-v1"  # the graph's inputs and outputs, see simulators/recs_train
MAX_CONTEXT: Final = 64  # a basket plus some history; more only costs time
_MASK_FLOOR: Final = -1.0e29  # the graph masks excluded items with -1e30
_ORT_ERRORS: Final = (
    ort_state.Fail,
    ort_state.InvalidArgument,
    ort_state.InvalidGraph,
    ort_state.InvalidProtobuf,
    ort_state.NoSuchFile,
    ort_state.NotImplemented,
    ort_state.RuntimeException,
    RuntimeError,
    ValueError,
)


class OnnxModelRunner:
    """Runs an ``instore-recs-v1`` ONNX model with onnxruntime."""

    def __init__(self, path: Path, *, intra_op_threads: int = 1) -> None:
        self.path = path
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: warnings go to our own log
        if not path.is_file():
            raise ModelError(path, "no such file")
        try:
            self._session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
            meta: Mapping[str, str] = self._session.get_modelmeta().custom_metadata_map
        except _ORT_ERRORS as exc:
            raise ModelError(path, f"onnxruntime cannot load it ({exc})") from exc
        if meta.get("format") != MODEL_FORMAT:
            raise ModelError(path, f"not an {MODEL_FORMAT} model")
        try:
            self._n_items = int(meta["n_items"])
        except (KeyError, ValueError) as exc:
            raise ModelError(path, "its metadata has no item count") from exc
        self.metadata: dict[str, str] = dict(meta)
        self._version = meta.get("version", "unknown")
        self._item_keys = _item_keys(path, meta.get("items"), self._n_items)

    @property
    def version(self) -> str:
        return self._version

    @property
    def n_items(self) -> int:
        return self._n_items

    @property
    def item_keys(self) -> tuple[str, ...] | None:
        """The GTIN-14 of each model item, in order, when the model file names them."""
        return self._item_keys

    def recommend(
        self,
        context: Sequence[int],
        exclude: Sequence[int],
        k: int,
        weights: Sequence[float] | None = None,
    ) -> list[tuple[int, float, int | None]]:
        """Up to ``k`` items (never one in ``exclude``), best first, with their anchors."""
        if not context or k < 1:
            return []
        ctx = np.asarray(context[-MAX_CONTEXT:], dtype=np.int64)
        if ctx.min() < 0 or ctx.max() >= self._n_items:
            raise ModelError(self.path, "a context item is outside the model's catalog")
        w = (
            np.ones(len(ctx), dtype=np.float32)
            if weights is None
            else np.asarray(weights[-MAX_CONTEXT:], dtype=np.float32)
        )
        ex = np.asarray(exclude, dtype=np.int64).reshape(-1)
        ex = ex[(ex >= 0) & (ex < self._n_items)]
        feeds = {
            "context": ctx,
            "context_weight": w,
            "exclude": ex,
            "k": np.array([min(k, self._n_items)], dtype=np.int64),
        }
        try:
            scores, items, anchors = self._session.run(None, feeds)
        except _ORT_ERRORS as exc:
            raise ModelError(self.path, f"onnxruntime failed ({exc})") from exc
        ctx_list = ctx.tolist()
        out: list[tuple[int, float, int | None]] = []
        for s, i, a in zip(scores.tolist(), items.tolist(), anchors.tolist(), strict=True):
            if s <= _MASK_FLOOR:  # fewer allowed items than k
                break
            out.append((int(i), float(s), ctx_list[a] if a >= 0 else None))
        return out


def _item_keys(path: Path, text: str | None, n_items: int) -> tuple[str, ...] | None:
    if text is None:
        return None
    try:
        keys = json.loads(text)
    except ValueError as exc:
        raise ModelError(path, "its item list is not JSON") from exc
    if (
        not isinstance(keys, list)
        or len(keys) != n_items
        or not all(isinstance(k, str) for k in keys)
    ):
        raise ModelError(path, f"its item list does not name its {n_items} items")
    return tuple(keys)
