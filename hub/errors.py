"""The hub's exception tree."""

from __future__ import annotations

from domain.errors import InstoreError


class HubError(InstoreError):
    """Root of every error raised by :mod:`hub`."""


class StorageError(HubError):
    """The event store failed (disk, schema, migration)."""


class UnknownDeviceError(HubError):
    def __init__(self, device: str) -> None:
        super().__init__(f"unknown device {device!r}")
        self.device = device


class EnrolmentError(HubError):
    """A device cannot be enrolled (bad id, already enrolled, reserved id)."""

    exit_code = 2
