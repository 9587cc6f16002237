"""Mosquitto password files made by the project, in the broker's own ``$7$`` format."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.fleet.errors import FleetError
from hub.fleet.passwords import (
    hash_password,
    new_password,
    read_password_file,
    remove_user,
    set_password,
    verify_password,
    write_password_file,
)

# Made by mosquitto_passwd 2.0.11: `mosquitto_passwd -c -b pw alice secret`.
MOSQUITTO_LINE = (
    "alice:$7$101$ARHGwfpaAaEnrhJC$JbVPx+DDk8hTBEjJPwhmqpyhdyF7ozvswIyLrD98yrtpgGPvWWKoB/Hz3"
    "KyyxRiHGb8gv+y4bQIx+jblJQsXqA=="
)


def test_hash_matches_mosquitto_passwd_for_the_same_salt() -> None:
    _user, encoded = MOSQUITTO_LINE.split(":", 1)
    salt = base64.b64decode(encoded.split("$")[3])
    assert hash_password("secret", iterations=101, salt=salt) == encoded
    assert verify_password("secret", encoded)
    assert not verify_password("Secret", encoded)


def test_file_reads_back_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    creds = {"kiosk-1": new_password(), "hub": new_password()}
    write_password_file(path, creds)
    assert path.stat().st_mode & 0o777 == 0o600
    lines = path.read_text().splitlines()
    assert [line.split(":")[0] for line in lines] == ["hub", "kiosk-1"]
    hashes = read_password_file(path)
    assert all(verify_password(creds[u], h) for u, h in hashes.items())
    assert creds["hub"] not in path.read_text()


def test_rotate_and_remove_keep_the_others(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    write_password_file(path, {"a": "one", "b": "two"})
    before = read_password_file(path)
    set_password(path, "a", "three")
    after = read_password_file(path)
    assert after["b"] == before["b"]
    assert verify_password("three", after["a"])
    assert not verify_password("one", after["a"])
    assert remove_user(path, "a")
    assert not remove_user(path, "a")
    assert list(read_password_file(path)) == ["b"]


@pytest.mark.skipif(shutil.which("mosquitto_passwd") is None, reason="mosquitto_passwd missing")
def test_reads_a_file_made_by_mosquitto_passwd(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(path), "dev-1", "pw"], check=True)
    assert verify_password("pw", read_password_file(path)["dev-1"])


@pytest.mark.parametrize("user", ["", "a:b", "has space", "#x"])
def test_bad_usernames_are_refused(tmp_path: Path, user: str) -> None:
    with pytest.raises(FleetError, match="MQTT username"):
        write_password_file(tmp_path / "passwd", {user: "pw"})


def test_garbage_lines_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "passwd"
    path.write_text("a:$7$1$AAAA$AAAA\nb:plaintext\n")
    with pytest.raises(FleetError, match=r"passwd:2: not a user"):
        read_password_file(path)


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_password_verifies_against_its_own_hash_only(password: str) -> None:
    encoded = hash_password(password, iterations=2)
    assert verify_password(password, encoded)
    assert not verify_password(password + "x", encoded)
