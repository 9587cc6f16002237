"""Mosquitto password files, made by the project (no ``mosquitto_passwd`` needed).

Mosquitto 2 reads ``user:$7$<iterations>$<salt, base64>$<hash, base64>``, where the hash
is PBKDF2-HMAC-SHA512 of the password over a 12-byte salt, 64 bytes long. ``hashlib``
computes it; only the line format is ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from hub.fleet.errors import FleetError
from hub.fleet.secure_files import PRIVATE, write_atomically

SALT_BYTES: Final = 12  # what mosquitto_passwd uses; the broker accepts any length
HASH_BYTES: Final = 64  # SHA-512 output
# Passwords made here are 256 random bits, so brute force is moot whatever the count; the
# count only slows guessing a human-chosen one. Every CONNECT pays it once (about 1 ms).
ITERATIONS: Final = 1000
PASSWORD_BYTES: Final = 32
_USER_RE: Final = re.compile(r"^[^:\s#]{1,65535}$")
_LINE_RE: Final = re.compile(r"^([^:]+):(\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+))$")


def new_password() -> str:
    """A fresh random password (256 bits, URL-safe text) for one device."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """The ``$7$`` hash Mosquitto 2 checks ``password`` against."""
    if iterations < 1:
        raise FleetError("iterations must be at least 1")
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, HASH_BYTES)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (as the broker would decide)."""
    parts = encoded.split("$")
    if len(parts) != 5 or parts[1] != "7" or not parts[2].isdigit():
        return False
    try:
        salt = base64.b64decode(parts[3], validate=True)
        want = base64.b64decode(parts[4], validate=True)
    except ValueError:
        return False
    got = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]), len(want))
    return hmac.compare_digest(got, want)


def _check_user(user: str) -> str:
    if not _USER_RE.fullmatch(user):
        raise FleetError(f"MQTT username {user!r} must be non-empty without ':', '#' or spaces")
    return user


def render_password_hashes(hashes: Mapping[str, str]) -> bytes:
    """The file text for ``user -> $7$ hash``, one line each, sorted by user."""
    lines = []
    for user in sorted(hashes):
        encoded = hashes[user]
        if not encoded.startswith("$7$"):
            raise FleetError(f"the hash for {user!r} is not in Mosquitto's $7$ format")
        lines.append(f"{_check_user(user)}:{encoded}\n")
    return "".join(lines).encode()


def write_password_file(path: Path, creds: Mapping[str, str], *, mode: int = PRIVATE) -> None:
    """Write a Mosquitto password file for ``username -> password`` (plain text in, hashes out).

    The file is replaced atomically; send the broker SIGHUP to make it re-read it."""
    write_password_hashes(path, {user: hash_password(pw) for user, pw in creds.items()}, mode=mode)


def write_password_hashes(path: Path, hashes: Mapping[str, str], *, mode: int = PRIVATE) -> None:
    """Write ``username -> $7$ hash`` as a password file (to keep hashes whose passwords
    are no longer known, e.g. when one device is removed)."""
    write_atomically(Path(path), render_password_hashes(hashes), mode)


def read_password_file(path: Path) -> dict[str, str]:
    """``username -> $7$ hash`` from a password file this module (or mosquitto_passwd) made."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FleetError(f"cannot read password file {path}: {exc.strerror or exc}") from exc
    hashes: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _LINE_RE.match(line)
        if match is None:
            raise FleetError(f"{path}:{number}: not a user:$7$... password line")
        hashes[match.group(1)] = match.group(2)
    return hashes


def set_password(path: Path, user: str, password: str, *, mode: int = PRIVATE) -> None:
    """Add or replace one user's password, keeping everyone else's hash (key rotation)."""
    hashes = read_password_file(path) if Path(path).exists() else {}
    hashes[_check_user(user)] = hash_password(password)
    write_password_hashes(path, hashes, mode=mode)


def remove_user(path: Path, user: str, *, mode: int = PRIVATE) -> bool:
    """Remove ``user`` from the password file; True if it was there."""
    hashes = read_password_file(path)
    found = hashes.pop(user, None) is not None
    if found:
        write_password_hashes(path, hashes, mode=mode)
    return found
