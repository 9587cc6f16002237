"""Open any map the project reads: an IMDF ``.zip`` or folder, or a shop ``.yaml``;
with the ``planogram.csv`` found beside or inside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from domain.maps.errors import MapError, UnknownLevelError
from domain.maps.imdf import load_imdf, validate_imdf
from domain.maps.model import Venue
from domain.maps.planogram import Slot, read_planogram, targets
from domain.maps.route import Route, Router
from domain.maps.shopyaml import load_shop_yaml, validate_shop_yaml

PLANOGRAM_NAME = "planogram.csv"


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def validate_map(path: Path) -> list[str]:
    """Every error of the map at ``path`` (one line each), empty when it is valid."""
    if not path.exists():
        raise MapError(f"{path}: no such file or folder")
    return validate_shop_yaml(path) if _is_yaml(path) else validate_imdf(path)


def load_venue(path: Path) -> Venue:
    if not path.exists():
        raise MapError(f"{path}: no such file or folder")
    return load_shop_yaml(path) if _is_yaml(path) else load_imdf(path)


def _planogram_beside(path: Path) -> Path | None:
    for candidate in (path / PLANOGRAM_NAME, path.with_name(PLANOGRAM_NAME)):
        if candidate.is_file():
            return candidate
    return None


@dataclass(slots=True)
class StoreMap:
    """A venue, its planogram and a router over them."""

    venue: Venue
    slots: dict[str, Slot] = field(default_factory=dict)
    router: Router = field(init=False)

    def __post_init__(self) -> None:
        self.router = Router(self.venue, targets(self.slots))

    def level(
        self, wanted: str | None, route: Route | None = None, origin: str | None = None
    ) -> str:
        """The level to show: ``wanted`` (an id or an ordinal such as ``1``), else where
        ``route`` starts, else the level of the place ``origin``, else the lowest."""
        venue = self.venue
        if wanted:
            if wanted in venue.levels:
                return wanted
            for level in venue.levels.values():
                if str(level.ordinal) == wanted:
                    return level.id
            raise UnknownLevelError(wanted)
        if route is not None:
            return self.router.graph.nodes[route.nodes[0]].level_id
        if origin:
            return self.router.node(self.router.resolve(origin)).level_id
        return venue.levels_in_order()[0].id


def open_map(path: Path, planogram: Path | None = None) -> StoreMap:
    """The map at ``path`` with its planogram (given, or ``planogram.csv`` beside it)."""
    venue = load_venue(path)
    csv_path = planogram or _planogram_beside(path)
    slots = read_planogram(csv_path, venue) if csv_path else {}
    return StoreMap(venue, slots)
