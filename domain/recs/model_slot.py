"""The model in service, and swapping in a new one without dropping a request.

A request reads the current runner once and uses it to the end; a swap loads and warms
the new model first, then replaces that one reference. In-flight requests finish on the
old model (it stays alive while they hold it) and new ones start on the new model, so
no request waits for a load or fails during one. A model that does not load, or is for
another catalog, is refused and the old one keeps serving.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from domain.recs.errors import ModelError, ModelItemsError, ModelMismatchError
from domain.recs.ports import ModelLoader, ModelRunner
from protocol.models import ModelPush

KEEP_FILES: Final = 2  # the model in service and the one before it, for a quick roll-back
PUSHED_DIR: Final = "models"


@dataclass(frozen=True, slots=True)
class RecsSettings:
    """What a kiosk's config says about its recommender."""

    model_path: Path
    models_dir: Path  # where models pushed from the hub are kept
    intra_op_threads: int = 1  # one shopper at a time; see domain/backends/onnx_model.py
    expected_items: int | None = None  # the catalog size, when the agent knows it

    @classmethod
    def beside(cls, model_path: Path) -> RecsSettings:
        """The configured model, with pushed models kept in ``models/`` beside it."""
        return cls(model_path=model_path, models_dir=model_path.parent / PUSHED_DIR)


def load_model_file(
    load: ModelLoader, path: Path, *, expected_items: int | None = None, intra_op_threads: int = 1
) -> ModelRunner:
    """Load a model with ``load`` and run it once, so its first real request is not its
    slowest."""
    runner = load(path, intra_op_threads=intra_op_threads)
    if expected_items is not None and runner.n_items != expected_items:
        raise ModelError(
            path, f"it is for {runner.n_items} items, the catalog has {expected_items}"
        )
    runner.recommend([0], [], 1)
    return runner


class SwappableModel:
    """A :class:`ModelRunner` whose model can be replaced while it serves requests."""

    def __init__(self, runner: ModelRunner) -> None:
        self._current = runner
        self._swap_lock = threading.Lock()  # one swap at a time; requests never take it

    @property
    def version(self) -> str:
        return self._current.version

    @property
    def n_items(self) -> int:
        return self._current.n_items

    @property
    def item_keys(self) -> tuple[str, ...] | None:
        return self._current.item_keys

    def recommend(
        self,
        context: Sequence[int],
        exclude: Sequence[int],
        k: int,
        weights: Sequence[float] | None = None,
    ) -> list[tuple[int, float, int | None]]:
        runner = self._current  # one read: this request uses this model to the end
        return runner.recommend(context, exclude, k, weights)

    def swap(self, runner: ModelRunner) -> ModelRunner:
        """Put ``runner`` in service; return the one it replaced."""
        with self._swap_lock:
            if runner.n_items != self._current.n_items:
                raise ModelMismatchError(runner.n_items, self._current.n_items)
            if runner.item_keys != self._current.item_keys:
                raise ModelItemsError()
            old, self._current = self._current, runner
            return old


def open_recommender(settings: RecsSettings, load: ModelLoader) -> SwappableModel:
    """The newest model pushed from the hub (it survives a restart), else the one named
    in the config, loaded with ``load``; ready to serve and to be swapped."""
    pushed = _pushed_newest_first(settings.models_dir)
    path = pushed[0] if pushed else settings.model_path
    return SwappableModel(
        load_model_file(
            load,
            path,
            expected_items=settings.expected_items,
            intra_op_threads=settings.intra_op_threads,
        )
    )


class ModelInstaller:
    """Takes a model pushed from the hub: checks its hash, stores it, loads it beside the
    one in service and swaps it in. On any failure the old model keeps serving."""

    def __init__(self, slot: SwappableModel, settings: RecsSettings, load: ModelLoader) -> None:
        self._slot = slot
        self._settings = settings
        self._load = load

    def install(self, blob: bytes, sha256_hex: str) -> str:
        """Install ``blob`` if its SHA-256 is ``sha256_hex``; return the new version."""
        digest = hashlib.sha256(blob).hexdigest()
        target = self._settings.models_dir / f"recs-{digest[:16]}.onnx"
        if digest != sha256_hex.lower():
            raise ModelError(target, "its SHA-256 does not match the one the hub sent")
        part = target.with_name(target.name + ".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes(blob)
            part.replace(target)
        except OSError as exc:
            raise ModelError(target, f"cannot store it ({exc.strerror})") from exc
        runner = load_model_file(
            self._load,
            target,
            expected_items=self._slot.n_items,
            intra_op_threads=self._settings.intra_op_threads,
        )
        self._slot.swap(runner)
        self._prune(keep=target)
        return runner.version

    def install_push(self, push: ModelPush) -> str:
        """The agent's handler for a model pushed from the hub: a line for its answer."""
        return f"model {self.install(push.content(), push.sha256)} in service"

    def _prune(self, keep: Path) -> None:
        files = _pushed_newest_first(self._settings.models_dir)
        for old in [f for f in files if f != keep][KEEP_FILES - 1 :]:
            old.unlink(missing_ok=True)


def _pushed_newest_first(models_dir: Path) -> list[Path]:
    """The models pushed from the hub that are kept, the newest first."""
    return sorted(models_dir.glob("recs-*.onnx"), key=lambda p: p.stat().st_mtime, reverse=True)
