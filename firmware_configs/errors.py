"""The config package's exception tree."""

from __future__ import annotations


class ConfigError(Exception):
    """Root of every error raised by :mod:`firmware_configs`."""

    exit_code = 2
