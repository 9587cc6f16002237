"""Users, passwords, sessions and the login limiter."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.dashboard import auth
from hub.dashboard.auth import UserError
from hub.dashboard.roles import Area, Role
from hub.dashboard.schema import open_writer
from hub.dashboard.throttle import Attempt, LoginThrottle, in_words

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


def test_failures_grow_the_wait_and_are_forgotten() -> None:
    throttle = LoginThrottle()
    mallory = Attempt("officer", "10.0.0.9")
    waits = []
    for n in range(6):
        waits.append(throttle.wait(mallory, 100.0 * n))
        throttle.failed(mallory, 100.0 * n)
    assert waits[:4] == [0.0, 0.0, 0.0, 0.0]  # three typos are free
    assert throttle.wait(mallory, 500.0) == pytest.approx(16.0)  # 2 s, doubled per failure
    assert throttle.wait(mallory, 500.0 + 3601) == 0.0  # an hour later, forgotten


def test_someone_elses_failures_never_refuse_a_known_browser() -> None:
    throttle = LoginThrottle()
    for n in range(40):  # a guesser behind the store's NAT, at the officer's account
        throttle.failed(Attempt("officer", "192.0.2.1"), float(n))
    assert throttle.wait(Attempt("officer", "192.0.2.1"), 40.0) > 0
    assert throttle.wait(Attempt("officer", "198.51.100.7"), 40.0) > 0  # account-wide
    assert throttle.wait(Attempt("staff", "192.0.2.1"), 40.0) > 0  # the address, too
    # The officer's own browser, known from an earlier login: only its own failures count.
    assert throttle.wait(Attempt("officer", "192.0.2.1", device="a1b2"), 40.0) == 0.0


def test_a_good_password_clears_only_the_clients_own_record() -> None:
    throttle = LoginThrottle()
    mine = Attempt("sam", "192.0.2.1")
    for n in range(3):
        throttle.failed(mine, float(n))
    throttle.failed(mine, 3.0)
    assert throttle.wait(mine, 3.0) > 0
    throttle.succeeded(mine)
    assert throttle.wait(mine, 3.0) == 0.0


def test_waits_are_said_in_words() -> None:
    assert in_words(0.2) == "1 second"
    assert in_words(40.0) == "40 seconds"
    assert in_words(61.0) == "2 minutes"
    assert in_words(60.0) == "60 seconds"
    assert in_words(900.0) == "15 minutes"


def test_csrf_comparison() -> None:
    assert auth.csrf_ok("abc", "abc")
    assert not auth.csrf_ok("abc", "abd")
    assert not auth.csrf_ok("abc", None)
