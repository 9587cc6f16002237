"""The hub's exception tree."""

from __future__ import annotations

from domain.errors import InstoreError


class HubError(InstoreError):
    """Root of every error raised by :mod:`hub`."""


class StorageError(HubError):
    """The event store failed (disk, schema, migration)."""


class EnrolmentError(HubError):
    """A device cannot be enrolled (bad id, already enrolled, reserved id)."""

    exit_code = 2
