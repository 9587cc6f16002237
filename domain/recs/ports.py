"""The recommender's port: a model runner, and how one is loaded from a file.

Backends (``domain/backends/onnx_model.py``) implement it; the command lines choose one
and hand its loader to :func:`domain.recs.model_slot.open_recommender`, so nothing here
imports a model runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class ModelRunner(Protocol):
    """A recommender model: context item indices in, scored item indices out.

    Each result is ``(item, score, anchor)``: ``anchor`` is the context item that gave
    the result most of its score (the "why"), or None when none did. ``weights`` weigh
    the context items (history counts less than the item just scanned)."""

    @property
    def version(self) -> str: ...

    @property
    def n_items(self) -> int: ...

    @property
    def item_keys(self) -> tuple[str, ...] | None:
        """The GTIN-14 of each item, in order, if the model names its items."""
        ...

    def recommend(
        self,
        context: Sequence[int],
        exclude: Sequence[int],
        k: int,
        weights: Sequence[float] | None = None,
    ) -> list[tuple[int, float, int | None]]: ...


class ModelLoader(Protocol):
    """Loads a model file; raises :class:`domain.recs.errors.ModelError` when it cannot."""

    def __call__(self, path: Path, *, intra_op_threads: int = 1) -> ModelRunner: ...
