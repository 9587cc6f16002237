"""Users, roles, sessions, CSRF tokens and login rate limiting.

Passwords are hashed with argon2id (argon2-cffi). A session is a random token in an
HttpOnly cookie; the database keeps only its SHA-256, so a copy of the database does
not log anyone in. Every session carries its own CSRF token for forms.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import re
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.dashboard.roles import ALLOWED, Area, Role
from hub.errors import HubError

MIN_PASSWORD: Final = 12  # characters; NIST SP 800-63B asks for at least 8, we ask more
NAME_PATTERN: Final = "^[a-z0-9][a-z0-9._-]{1,39}$"
_HASHER: Final = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when a user does not exist, so a wrong name costs as much as a
    wrong password and response times do not tell which names exist. Made on first use:
    a hash costs ~0.1 s, which a command's start-up need not pay."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class UserError(HubError):
    """A user cannot be added or changed as asked."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role

    def may(self, area: Area) -> bool:
        return area in ALLOWED[self.role]


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str
    expires: float
    last_used: float


def check_password_strength(password: str, name: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if name.lower() in password.lower():
        raise UserError("the password must not contain the user name")


def add_user(db: sqlite3.Connection, name: str, role: Role, password: str, now: float) -> User:
    """Create a user with an argon2id hash of ``password``; refuse duplicates and weak ones."""
    if not re.match(NAME_PATTERN, name):
        raise UserError(f"user names look like {NAME_PATTERN}, not {name!r}")
    check_password_strength(password, name)
    try:
        db.execute(
            "INSERT INTO dash_users(name, role, hash, created) VALUES (?, ?, ?, ?)",
            (name, role.value, _HASHER.hash(password), now),
        )
    except sqlite3.IntegrityError as exc:
        raise UserError(f"user {name!r} exists already") from exc
    return User(name, role)


def set_role(db: sqlite3.Connection, name: str, role: Role) -> None:
    if db.execute("UPDATE dash_users SET role = ? WHERE name = ?", (role.value, name)).rowcount:
        db.execute("DELETE FROM dash_sessions WHERE user = ?", (name,))  # log in again
        return
    raise UserError(f"no user {name!r}")


def set_disabled(db: sqlite3.Connection, name: str, disabled: bool) -> None:
    cur = db.execute("UPDATE dash_users SET disabled = ? WHERE name = ?", (int(disabled), name))
    if not cur.rowcount:
        raise UserError(f"no user {name!r}")
    if disabled:
        db.execute("DELETE FROM dash_sessions WHERE user = ?", (name,))


def set_password(db: sqlite3.Connection, name: str, password: str) -> None:
    check_password_strength(password, name)
    cur = db.execute(
        "UPDATE dash_users SET hash = ? WHERE name = ?", (_HASHER.hash(password), name)
    )
    if not cur.rowcount:
        raise UserError(f"no user {name!r}")
    db.execute("DELETE FROM dash_sessions WHERE user = ?", (name,))


def list_users(db: sqlite3.Connection) -> list[tuple[str, str, float, bool]]:
    rows = db.execute("SELECT name, role, created, disabled FROM dash_users ORDER BY name")
    return [(r[0], r[1], r[2], bool(r[3])) for r in rows]


def admins_left(db: sqlite3.Connection) -> int:
    row = db.execute(
        "SELECT COUNT(*) FROM dash_users WHERE role = 'admin' AND disabled = 0"
    ).fetchone()
    return int(row[0])


def authenticate(db: sqlite3.Connection, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs and they are enabled; rehash old parameters."""
    row = db.execute(
        "SELECT role, hash, disabled FROM dash_users WHERE name = ?", (name,)
    ).fetchone()
    stored = row[1] if row else _dummy_hash()
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row[2]:
        return None
    if _HASHER.check_needs_rehash(stored):
        db.execute("UPDATE dash_users SET hash = ? WHERE name = ?", (_HASHER.hash(password), name))
    return User(name, Role(row[0]))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def open_session(db: sqlite3.Connection, user: User, now: float, ttl_s: float) -> str:
    """A new session for ``user``; returns the token for the cookie (stored only hashed)."""
    token = secrets.token_urlsafe(32)
    db.execute("DELETE FROM dash_sessions WHERE expires < ?", (now,))
    db.execute(
        "INSERT INTO dash_sessions(token_hash, user, csrf, created, expires) VALUES (?,?,?,?,?)",
        (_digest(token), user.name, secrets.token_urlsafe(32), now, now + ttl_s),
    )
    return token


def find_session(
    db: sqlite3.Connection, token: str, now: float, idle_s: float = math.inf
) -> Session | None:
    """The session of ``token``, unless it expired or was not used for ``idle_s``."""
    row = db.execute(
        "SELECT u.name, u.role, s.csrf, s.expires, COALESCE(s.last_used, s.created) "
        "FROM dash_sessions s JOIN dash_users u ON u.name = s.user "
        "WHERE s.token_hash = ? AND u.disabled = 0",
        (_digest(token),),
    ).fetchone()
    if row is None or row[3] < now or now - row[4] > idle_s:
        return None
    return Session(User(row[0], Role(row[1])), row[2], row[3], row[4])


def touch_session(db: sqlite3.Connection, token: str, now: float) -> None:
    db.execute("UPDATE dash_sessions SET last_used = ? WHERE token_hash = ?", (now, _digest(token)))


def issue_device(db: sqlite3.Connection, user: str, now: float) -> str:
    """A device cookie for a browser that just logged in as ``user`` (kept only hashed)."""
    token = secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO dash_devices(token_hash, user, created) VALUES (?, ?, ?)",
        (_digest(token), user, now),
    )
    return token


def device_of(db: sqlite3.Connection, token: str | None, user: str) -> str | None:
    """A stable id of the browser, if ``token`` is a device cookie issued to ``user``."""
    if not token:
        return None
    digest = _digest(token)
    row = db.execute(
        "SELECT 1 FROM dash_devices WHERE token_hash = ? AND user = ?", (digest, user)
    ).fetchone()
    return digest.hex()[:16] if row else None


def close_session(db: sqlite3.Connection, token: str) -> None:
    db.execute("DELETE FROM dash_sessions WHERE token_hash = ?", (_digest(token),))


def csrf_ok(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
