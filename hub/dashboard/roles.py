"""Dashboard roles and what each may see (decision 0900): a module of its own, so that
``instore-hub user`` offers the roles without loading password hashing."""

from __future__ import annotations

import enum
from typing import Final


class Role(enum.StrEnum):
    STAFF = "staff"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


class Area(enum.StrEnum):
    """What a page shows; each role may see some areas."""

    FLEET = "fleet"  # devices, alarms, aggregate analytics
    PRIVACY = "privacy"  # consent ledger, requests, audit log, data map, retention
    USERS = "users"  # users and roles


# Separation of duties: the admin manages accounts but does not read personal data;
# the privacy officer reads it (audited) but cannot make accounts.
ALLOWED: Final[dict[Role, frozenset[Area]]] = {
    Role.STAFF: frozenset({Area.FLEET}),
    Role.PRIVACY_OFFICER: frozenset({Area.FLEET, Area.PRIVACY}),
    Role.ADMIN: frozenset({Area.FLEET, Area.USERS}),
}
