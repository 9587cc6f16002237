"""Errors of the recommender: a model that cannot load, serve, or fit the catalog."""

from __future__ import annotations

from pathlib import Path

from domain.errors import InputError, InstoreError


class RecsError(InstoreError):
    """Root of the recommender's errors."""


class ModelError(RecsError):
    """A recommender model file cannot be loaded or run (raised by every model backend)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"recommender model {path}: {reason}")
        self.path = path
        self.reason = reason


class ModelMismatchError(RecsError):
    """A model is for a different catalog than the one in service."""

    def __init__(self, model_items: int, service_items: int) -> None:
        super().__init__(
            f"a model for {model_items} items does not fit the {service_items} items in service"
        )
        self.model_items = model_items
        self.service_items = service_items


class ModelItemsError(RecsError):
    """A model names other items (or none) than the one in service: another catalog."""

    def __init__(self) -> None:
        super().__init__("a model for other items does not fit the catalog in service")


class UnnamedItemsError(InputError):
    """The model file does not say which product each of its items is."""

    def __init__(self) -> None:
        super().__init__(
            "the recommender model does not name its items; train it with "
            "instore-sim train-recs, which writes their GTINs into the file"
        )
