"""WGS84 to metres: a local tangent-plane projection around the venue.

A shop or a mall spans well under a kilometre, where an equirectangular projection on the
WGS84 ellipsoid's radii of curvature at the origin is off by millimetres, so no pyproj."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

_A: Final = 6_378_137.0  # WGS84 semi-major axis, metres
_E2: Final = 6.694_379_990_14e-3  # WGS84 first eccentricity squared

G = TypeVar("G", bound=BaseGeometry)


@dataclass(frozen=True, slots=True)
class LocalProjection:
    """Metres east (x) and north (y) of ``(lon0, lat0)``."""

    lon0: float
    lat0: float

    @property
    def _scale(self) -> tuple[float, float]:
        phi = math.radians(self.lat0)
        w = 1.0 - _E2 * math.sin(phi) ** 2
        meridional = _A * (1.0 - _E2) / w**1.5
        normal = _A / math.sqrt(w)
        return math.radians(1.0) * normal * math.cos(phi), math.radians(1.0) * meridional

    def forward(self, coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """(lon, lat) rows to (x, y) rows in metres."""
        sx, sy = self._scale
        out = np.empty_like(coords)
        out[:, 0] = (coords[:, 0] - self.lon0) * sx
        out[:, 1] = (coords[:, 1] - self.lat0) * sy
        return out

    def inverse(self, coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """(x, y) rows in metres to (lon, lat) rows."""
        sx, sy = self._scale
        out = np.empty_like(coords)
        out[:, 0] = coords[:, 0] / sx + self.lon0
        out[:, 1] = coords[:, 1] / sy + self.lat0
        return out

    def to_metres(self, geom: G) -> G:
        result: G = shapely.transform(geom, self.forward)
        return result

    def to_wgs84(self, geom: G) -> G:
        result: G = shapely.transform(geom, self.inverse)
        return result
