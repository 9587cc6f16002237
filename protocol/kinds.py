"""The kinds of device that join a store (a module of its own: command lines offer them
as choices without loading the wire models)."""

from __future__ import annotations

import enum


class DeviceKind(enum.StrEnum):
    KIOSK = "kiosk"
    GATEWAY = "gateway"
