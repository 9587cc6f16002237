"""The config package's exception tree."""

from __future__ import annotations

from domain.errors import InputError


class ConfigError(InputError):
    """Root of every error raised by :mod:`firmware_configs`: a config is bad input."""
