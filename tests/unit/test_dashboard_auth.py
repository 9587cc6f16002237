"""Users, passwords, sessions and the login limiter."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.dashboard import auth
from hub.dashboard.auth import LoginLimiter, UserError
from hub.dashboard.roles import Area, Role
from hub.dashboard.schema import open_writer

PASSWORD = "correct horse battery"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = open_writer(tmp_path / "hub.db")
    yield conn
    conn.close()


def test_passwords_are_stored_as_argon2id_hashes_only(db: sqlite3.Connection) -> None:
    auth.add_user(db, "alice", Role.STAFF, PASSWORD, 1.0)
    stored = db.execute("SELECT hash FROM dash_users WHERE name = 'alice'").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_right_password_logs_in_and_wrong_one_does_not(db: sqlite3.Connection) -> None:
    auth.add_user(db, "alice", Role.STAFF, PASSWORD, 1.0)
    assert auth.authenticate(db, "alice", PASSWORD) == auth.User("alice", Role.STAFF)
    assert auth.authenticate(db, "alice", PASSWORD + "x") is None
    assert auth.authenticate(db, "nobody", PASSWORD) is None


def test_disabled_user_cannot_log_in_and_loses_sessions(db: sqlite3.Connection) -> None:
    user = auth.add_user(db, "alice", Role.STAFF, PASSWORD, 1.0)
    token = auth.open_session(db, user, 10.0, 100.0)
    auth.set_disabled(db, "alice", True)
    assert auth.authenticate(db, "alice", PASSWORD) is None
    assert auth.find_session(db, token, 11.0) is None


@pytest.mark.parametrize(
    ("name", "password"),
    [("alice", "short"), ("alice", "alice-is-my-password"), ("Bad Name", PASSWORD)],
)
def test_weak_passwords_and_bad_names_are_refused(
    db: sqlite3.Connection, name: str, password: str
) -> None:
    with pytest.raises(UserError):
        auth.add_user(db, name, Role.STAFF, password, 1.0)


def test_duplicate_user_is_refused(db: sqlite3.Connection) -> None:
    auth.add_user(db, "alice", Role.STAFF, PASSWORD, 1.0)
    with pytest.raises(UserError, match="exists"):
        auth.add_user(db, "alice", Role.ADMIN, PASSWORD, 1.0)


def test_session_token_is_stored_hashed_and_expires(db: sqlite3.Connection) -> None:
    user = auth.add_user(db, "alice", Role.STAFF, PASSWORD, 1.0)
    token = auth.open_session(db, user, 100.0, 60.0)
    stored = db.execute("SELECT token_hash FROM dash_sessions").fetchone()[0]
    assert token.encode() not in bytes(stored)
    session = auth.find_session(db, token, 159.0)
    assert session is not None
    assert session.user == user
    assert auth.find_session(db, token, 161.0) is None
    assert auth.find_session(db, token + "x", 120.0) is None


def test_changing_a_role_ends_the_users_sessions(db: sqlite3.Connection) -> None:
    user = auth.add_user(db, "alice", Role.ADMIN, PASSWORD, 1.0)
    token = auth.open_session(db, user, 1.0, 100.0)
    auth.set_role(db, "alice", Role.STAFF)
    assert auth.find_session(db, token, 2.0) is None


def test_roles_separate_duties() -> None:
    staff, officer, admin = (auth.User("u", r) for r in Role)
    assert staff.may(Area.FLEET)
    assert not staff.may(Area.PRIVACY)
    assert not staff.may(Area.USERS)
    assert officer.may(Area.PRIVACY)
    assert not officer.may(Area.USERS)
    assert admin.may(Area.USERS)
    assert not admin.may(Area.PRIVACY)


def test_limiter_blocks_after_failures_and_forgets_after_the_window() -> None:
    limiter = LoginLimiter(failures=3, window_s=60.0)
    keys = ("user:alice", "client:10.0.0.1")
    for t in (0.0, 1.0, 2.0):
        assert limiter.blocked(keys, t) == 0
        limiter.failed(keys, t)
    assert limiter.blocked(keys, 3.0) == pytest.approx(57.0)
    assert limiter.blocked(("user:bob", "client:10.0.0.1"), 3.0) > 0  # same client
    assert limiter.blocked(("user:bob", "client:10.0.0.2"), 3.0) == 0
    assert limiter.blocked(keys, 61.0) == 0


def test_csrf_comparison() -> None:
    assert auth.csrf_ok("abc", "abc")
    assert not auth.csrf_ok("abc", "abd")
    assert not auth.csrf_ok("abc", None)
