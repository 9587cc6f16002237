"""The simulators' exception tree."""

from __future__ import annotations

from domain.errors import InstoreError


class SimError(InstoreError):
    """Root of every error raised by :mod:`simulators`."""
