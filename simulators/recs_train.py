"""Training the related-items model from baskets, and exporting it to ONNX.

The model is a *shortlisted, damped conditional co-occurrence* matrix: for every item
``c`` it keeps the ``neighbours`` items ``j`` with the highest
``P(j | c) = together(c, j) / (bought(c) + damping)``. Scoring a context sums the rows
of its items (each weighted), adds a tiny popularity prior so an unseen context still
gets an answer, masks excluded items and takes the top k. Why not a dense factorised
model: see docs/decisions/0800-recs-shortlisted-cooccurrence.md.

The ONNX graph does exactly that with Gather, ScatterElements(add) and TopK, so one
request reads ``len(context) * neighbours`` weights, not the whole item matrix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import onnx
import scipy.sparse as sp
from onnx import TensorProto, helper, numpy_helper

from domain.backends.onnx_model import MODEL_FORMAT
from simulators.baskets import Baskets
from simulators.errors import SimError

NEIGHBOURS: Final = 32  # best held-out recall on the simulated store (16..64 tried)
DAMPING: Final = 10.0  # pseudo-count: an item bought twice is not trusted like one bought 500x
PRIOR_SCALE: Final = 1e-4  # popularity only breaks ties and fills empty contexts
OPSET: Final = 18  # ScatterElements with reduction="add" needs 16+; 18 is widely supported
IR_VERSION: Final = 9  # what onnxruntime 1.17 (our floor) reads
MASKED: Final = -1.0e30  # below any real score, finite so TopK stays well defined


class TrainError(SimError):
    """Training or export could not be done with what was given."""


@dataclass(frozen=True, slots=True)
class ShortlistModel:
    """Per item: its neighbours (padded with itself at weight 0) and their weights."""

    neighbours: npt.NDArray[np.int32]  # (items, k)
    weights: npt.NDArray[np.float32]  # (items, k)
    prior: npt.NDArray[np.float32]  # (items,)

    @property
    def n_items(self) -> int:
        return int(self.prior.shape[0])


def basket_matrix(baskets: Baskets, n_items: int) -> sp.csr_matrix:
    """Baskets x items, 1 where the basket holds the item."""
    rows = np.repeat(np.arange(len(baskets)), np.diff(baskets.offsets))
    data = np.ones(len(baskets.items), dtype=np.float32)
    x = sp.csr_matrix((data, (rows, baskets.items)), shape=(len(baskets), n_items))
    x.data[:] = 1.0  # an item twice in a basket counts once
    return x


def cooccurrence(baskets: Baskets, n_items: int) -> tuple[sp.csr_matrix, npt.NDArray[np.float64]]:
    """How often each pair was in the same basket (diagonal zero), and item counts."""
    x = basket_matrix(baskets, n_items)
    counts = np.asarray(x.sum(axis=0), dtype=np.float64).ravel()
    together = (x.T @ x).tocsr()
    together.setdiag(0)
    together.eliminate_zeros()
    return together, counts


def train(
    baskets: Baskets,
    n_items: int,
    *,
    neighbours: int = NEIGHBOURS,
    damping: float = DAMPING,
) -> ShortlistModel:
    """Learn the shortlisted conditional co-occurrence model from training baskets."""
    if len(baskets) == 0:
        raise TrainError("no training baskets")
    if neighbours < 1:
        raise TrainError("neighbours must be at least 1")
    together, counts = cooccurrence(baskets, n_items)
    cond = sp.diags(1.0 / (counts + damping)) @ together
    cond = cond.tocsr()
    cond.sort_indices()
    rows = np.repeat(np.arange(n_items), np.diff(cond.indptr))
    order = np.lexsort((-cond.data, rows))  # by row, best first
    rank = np.arange(len(order)) - cond.indptr[rows[order]]
    sel = rank < neighbours
    keep, kpos = order[sel], rank[sel]
    nbr = np.repeat(np.arange(n_items, dtype=np.int32)[:, None], neighbours, axis=1)
    wts = np.zeros((n_items, neighbours), dtype=np.float32)
    kr = rows[keep]
    nbr[kr, kpos] = cond.indices[keep]
    wts[kr, kpos] = cond.data[keep]
    prior = (PRIOR_SCALE * counts / max(1.0, counts.max())).astype(np.float32)
    return ShortlistModel(nbr, wts, prior)


def score_numpy(
    model: ShortlistModel,
    context: Sequence[int],
    weights: Sequence[float] | None = None,
    exclude: Sequence[int] = (),
) -> npt.NDArray[np.float32]:
    """The score of every item for ``context``: what the ONNX graph computes, in numpy."""
    w = np.ones(len(context), np.float32) if weights is None else np.asarray(weights, np.float32)
    scores = model.prior.copy()
    ctx = np.asarray(context, dtype=np.int64)
    np.add.at(scores, model.neighbours[ctx].ravel(), (model.weights[ctx] * w[:, None]).ravel())
    scores[np.asarray(exclude, dtype=np.int64)] = MASKED
    return scores


def to_onnx(model: ShortlistModel, metadata: Mapping[str, str]) -> onnx.ModelProto:
    """The model as an ONNX graph.

    Inputs: ``context`` int64[C] item indices, ``context_weight`` float[C], ``exclude``
    int64[E] (context, out of stock, disallowed, already shown), ``k`` int64[1].
    Outputs: ``scores`` float[k], ``items`` int64[k], and ``anchor`` int64[k]: the
    position in ``context`` of the item that contributed most to each result, -1 when
    none did (the popularity prior placed it) -- the "why" of a suggestion.
    """
    n = model.n_items
    f, i64 = TensorProto.FLOAT, TensorProto.INT64
    inits = [
        numpy_helper.from_array(model.neighbours, "nbr_idx"),
        numpy_helper.from_array(model.weights, "nbr_w"),
        numpy_helper.from_array(model.prior, "prior"),
        numpy_helper.from_array(np.array([-1], np.int64), "flat"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([0], np.int64), "axis0"),
        numpy_helper.from_array(np.array([MASKED], np.float32), "masked"),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
        numpy_helper.from_array(np.array([n], np.int64), "n_items"),
        numpy_helper.from_array(np.array(-1, np.int64), "none"),
    ]
    nodes = [
        helper.make_node("Gather", ["nbr_idx", "context"], ["g_idx32"], axis=0),
        helper.make_node("Cast", ["g_idx32"], ["g_idx"], to=i64),
        helper.make_node("Gather", ["nbr_w", "context"], ["g_w0"], axis=0),
        helper.make_node("Unsqueeze", ["context_weight", "axis1"], ["cw"]),
        helper.make_node("Mul", ["g_w0", "cw"], ["g_w"]),
        helper.make_node("Reshape", ["g_idx", "flat"], ["f_idx"]),
        helper.make_node("Reshape", ["g_w", "flat"], ["f_w"]),
        helper.make_node(
            "ScatterElements", ["prior", "f_idx", "f_w"], ["raw"], axis=0, reduction="add"
        ),
        helper.make_node("Shape", ["exclude"], ["ex_shape"]),
        helper.make_node("Expand", ["masked", "ex_shape"], ["ex_vals"]),
        helper.make_node("ScatterElements", ["raw", "exclude", "ex_vals"], ["masked_scores"]),
        helper.make_node("Min", ["k", "n_items"], ["k_eff"]),
        helper.make_node("TopK", ["masked_scores", "k_eff"], ["scores", "items"], axis=0),
        # anchor: which context item gave each result the most weight
        helper.make_node("Unsqueeze", ["g_idx", "flat"], ["g_idx3"]),  # (C, M, 1)
        helper.make_node("Unsqueeze", ["items", "axis0"], ["items_row"]),  # (1, k)
        helper.make_node("Equal", ["g_idx3", "items_row"], ["hit"]),  # (C, M, k)
        helper.make_node("Unsqueeze", ["g_w", "flat"], ["g_w3"]),
        helper.make_node("Where", ["hit", "g_w3", "zero"], ["contrib3"]),
        helper.make_node("ReduceMax", ["contrib3", "axis1"], ["contrib"], keepdims=0),  # (C, k)
        helper.make_node("ArgMax", ["contrib"], ["best"], axis=0, keepdims=0),
        helper.make_node("ReduceMax", ["contrib", "axis0"], ["best_w"], keepdims=0),
        helper.make_node("Greater", ["best_w", "zero"], ["has_anchor"]),
        helper.make_node("Where", ["has_anchor", "best", "none"], ["anchor"]),
    ]
    graph = helper.make_graph(
        nodes,
        "instore-recs",
        [
            helper.make_tensor_value_info("context", i64, ["C"]),
            helper.make_tensor_value_info("context_weight", f, ["C"]),
            helper.make_tensor_value_info("exclude", i64, ["E"]),
            helper.make_tensor_value_info("k", i64, [1]),
        ],
        [
            helper.make_tensor_value_info("scores", f, ["K"]),
            helper.make_tensor_value_info("items", i64, ["K"]),
            helper.make_tensor_value_info("anchor", i64, ["K"]),
        ],
        inits,
    )
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="instore"
    )
    proto.ir_version = IR_VERSION
    meta = {"format": MODEL_FORMAT, "n_items": str(n), **metadata}
    helper.set_model_props(proto, dict(meta))
    onnx.checker.check_model(proto)
    return proto


def save_onnx(model: ShortlistModel, path: Path, metadata: Mapping[str, str]) -> None:
    """Write the model to ``path`` atomically (a reader never sees half a file)."""
    proto = to_onnx(model, metadata)
    tmp = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(proto.SerializeToString())
        tmp.replace(path)
    except OSError as exc:
        raise TrainError(f"cannot write the model to {path}: {exc.strerror}") from exc


def metadata_for(
    *,
    version: str,
    train_weeks: tuple[int, int],
    seed: int,
    metrics: Mapping[str, float],
    items: Sequence[str] = (),
) -> dict[str, str]:
    """The model file's metadata: which window it was trained on, its metrics, version,
    and ``items``, the GTIN of each model item in order (how a kiosk finds its products
    in the model)."""
    return {
        **({"items": json.dumps(list(items), separators=(",", ":"))} if items else {}),
        "version": version,
        "trained_on_weeks": f"{train_weeks[0]}-{train_weeks[1]}",
        "generator_seed": str(seed),
        "neighbours": str(NEIGHBOURS),
        "damping": str(DAMPING),
        "metrics": json.dumps({k: round(v, 5) for k, v in metrics.items()}, sort_keys=True),
    }
