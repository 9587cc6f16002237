"""Errors of the maps feature. Every one is bad input from a user or a file: exit status 2."""

from __future__ import annotations

from domain.errors import InputError


class MapError(InputError):
    """A map cannot be read or used (unreadable file, invalid IMDF, bad YAML)."""


class MapInvalidError(MapError):
    """A map failed validation; ``problems`` holds one line per error."""

    def __init__(self, path: str, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{path} is not a valid map: {problems[0]}{more}")
        self.path = path
        self.problems = problems


class UnknownPlaceError(MapError):
    """A route end names no unit, opening, kiosk, fixture, amenity or product of the map."""

    http_status = 404

    def __init__(self, ref: str) -> None:
        super().__init__(f"no place or product called {ref!r} on this map")
        self.ref = ref


class UnknownLevelError(MapError):
    """A level asked by id or ordinal that the map does not have."""

    http_status = 404

    def __init__(self, wanted: str) -> None:
        super().__init__(f"no level {wanted!r} on this map")
        self.wanted = wanted


class NoRouteError(MapError):
    """The two places are not connected (under the chosen profile)."""

    http_status = 404

    def __init__(self, origin: str, destination: str, step_free: bool) -> None:
        profile = "step-free route" if step_free else "route"
        super().__init__(f"no {profile} from {origin!r} to {destination!r} on this map")
        self.origin = origin
        self.destination = destination
        self.step_free = step_free


class PlanogramError(MapError):
    """A planogram CSV has bad lines; ``problems`` holds ``file:line: message`` strings."""

    def __init__(self, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")
        self.problems = problems
