"""The simulators' exception tree."""

from __future__ import annotations


class SimError(Exception):
    """Root of every error raised by :mod:`simulators`."""

    exit_code = 1
