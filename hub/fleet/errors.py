"""Errors of the fleet security package."""

from __future__ import annotations

from hub.errors import HubError


class FleetError(HubError):
    """Credentials, ACLs, certificates or revocation cannot be made or applied."""

    exit_code = 2
