"""Dashboard accounts made outside the web pages, with generated passwords."""

from __future__ import annotations

import time

from hub.dashboard import auth
from hub.dashboard.pages_admin import generated_password
from hub.dashboard.roles import Role
from hub.dashboard.schema import open_writer
from hub.settings import HubHome


def add_users(home: HubHome, users: dict[str, Role]) -> dict[str, str]:
    """Add ``users`` with generated passwords and return them (to be shown once): for
    the demo and tests, which must not have default passwords either."""
    out: dict[str, str] = {}
    db = open_writer(home.db_path)
    try:
        for name, role in users.items():
            out[name] = generated_password()
            auth.add_user(db, name, role, out[name], time.time())
    finally:
        db.close()
    return out
