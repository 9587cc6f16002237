"""The BLE token frame and the test vectors published in docs/ble-token.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.ble_token import (
    BleTokenError,
    parse_prefix,
    service_uuid,
    token_for,
    token_from_uuid,
    tokens_around,
    uuid_text_prefix,
    window_of,
)

PREFIX = bytes.fromhex("696e73746f726501")
DOC = Path(__file__).resolve().parents[2] / "docs" / "ble-token.md"


def _doc_vectors() -> list[tuple[str, int, int, str, str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"\d+", cells[1]):
            rows.append((cells[0], int(cells[1]), int(cells[2]), cells[4], cells[5]))
    return rows


def _key(label: str) -> bytes:
    if label.startswith("000102…1e1f"):
        return bytes(range(32))
    if label.startswith("ff"):
        return b"\xff" * 32
    return bytes.fromhex(label)


def test_the_documented_vectors_hold() -> None:
    vectors = _doc_vectors()
    assert len(vectors) == 4
    for key, unix, window, token, uuid_text in vectors:
        assert window_of(unix) == window
        tok = token_for(_key(key), window)
        assert tok.hex() == token
        assert service_uuid(PREFIX, tok) == uuid_text
        assert token_from_uuid(uuid_text, PREFIX) == tok


def test_window_boundaries_are_every_900_seconds() -> None:
    assert window_of(899.999) == 0
    assert window_of(900) == 1
    assert set(tokens_around(bytes(16), 900 * 10 + 5)) == {9, 10, 11}


def test_another_chains_uuid_carries_no_token() -> None:
    other = service_uuid(bytes(8), bytes(range(8)))
    assert token_from_uuid(other, PREFIX) is None


def test_bad_inputs_are_refused_with_a_sentence() -> None:
    with pytest.raises(BleTokenError, match="16 bytes"):
        token_for(b"short", 1)
    with pytest.raises(BleTokenError, match="not hex"):
        parse_prefix("zz")
    with pytest.raises(BleTokenError, match="8 bytes"):
        parse_prefix("0011")
    with pytest.raises(BleTokenError, match="128-bit UUID"):
        token_from_uuid("not-a-uuid", PREFIX)
    with pytest.raises(BleTokenError, match="unix time"):
        window_of(-1)


@given(st.binary(min_size=16, max_size=64), st.integers(min_value=0, max_value=2**40))
def test_uuid_text_prefix_matches_every_token_uuid(key: bytes, window: int) -> None:
    text = service_uuid(PREFIX, token_for(key, window))
    assert text.startswith(uuid_text_prefix(PREFIX))
    assert (text[19:23] + text[24:]) == token_for(key, window).hex()
