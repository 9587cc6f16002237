"""Parsers for iBeacon, Eddystone UID/URL/TLM/EID and the token frame, raw and via bleak."""

from __future__ import annotations

import contextlib
import uuid

import orjson
import pytest
from bleak.backends.scanner import AdvertisementData
from hypothesis import given
from hypothesis import strategies as st

from edge.cli import main
from edge.presence.frames import (
    EDDYSTONE_UUID,
    AdvertParseError,
    EddystoneEid,
    EddystoneTlm,
    EddystoneUid,
    EddystoneUrl,
    IBeacon,
    TokenFrame,
    frames_from_advertisement,
    ibeacon_bytes,
    parse_advertising,
    tlm_bytes,
    uid_bytes,
)
from protocol.ble_token import service_uuid

PREFIX = bytes.fromhex("696e73746f726501")
TOKEN = bytes.fromhex("1bbee046ec5c6d3e")
BEACON = IBeacon("f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, 10, -59)


def _ad(ad_type: int, data: bytes) -> bytes:
    return bytes([len(data) + 1, ad_type]) + data


def _adv(**fields: object) -> AdvertisementData:
    base: dict[str, object] = {
        "local_name": None,
        "manufacturer_data": {},
        "service_data": {},
        "service_uuids": [],
        "tx_power": None,
        "rssi": -60,
        "platform_data": (),
    }
    base.update(fields)
    return AdvertisementData(**base)  # type: ignore[arg-type]


def test_ibeacon_from_raw_bytes_and_from_bleak_agree() -> None:
    md = ibeacon_bytes(BEACON)
    raw = _ad(0x01, b"\x06") + _ad(0xFF, b"\x4c\x00" + md)
    assert parse_advertising(raw) == [BEACON]
    assert frames_from_advertisement(_adv(manufacturer_data={0x004C: md})) == [BEACON]
    assert BEACON.beacon_id == "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:10"


def test_token_frame_from_uuid_list_service_data_and_bleak() -> None:
    text = service_uuid(PREFIX, TOKEN)
    on_air = uuid.UUID(text).bytes[::-1]
    want = [TokenFrame(PREFIX.hex(), TOKEN.hex())]
    assert parse_advertising(_ad(0x07, on_air), PREFIX) == want
    assert parse_advertising(_ad(0x21, on_air + b"\x01"), PREFIX) == want
    assert frames_from_advertisement(_adv(service_uuids=[text]), PREFIX) == want
    assert parse_advertising(_ad(0x07, on_air), bytes(8)) == []  # another chain's UUID


def test_eddystone_frames() -> None:
    uid = EddystoneUid("00112233445566778899", "aabbccddeeff", -20)
    tlm = EddystoneTlm(0, 2950, 21.5, 123456, 8640.0)
    url = b"\x10\xeb\x03instore\x07"  # https://instore.com
    eid = b"\x30\xf0" + bytes(range(8))
    raw = b"".join(_ad(0x16, b"\xaa\xfe" + d) for d in (uid_bytes(uid), tlm_bytes(tlm), url, eid))
    assert parse_advertising(raw) == [
        uid,
        tlm,
        EddystoneUrl("https://instore.com", -21),
        EddystoneEid("0001020304050607", -16),
    ]
    bleak_frames = frames_from_advertisement(_adv(service_data={EDDYSTONE_UUID: tlm_bytes(tlm)}))
    assert bleak_frames == [tlm]


def test_tlm_without_battery_or_temperature() -> None:
    tlm = EddystoneTlm(0, None, None, 1, 0.5)
    assert parse_advertising(_ad(0x16, b"\xaa\xfe" + tlm_bytes(tlm))) == [tlm]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x05\xff\x4c\x00", "claims 5 bytes"),
        (_ad(0xFF, b"\x4c\x00\x02\x15" + bytes(5)), "iBeacon data has 23 bytes"),
        (_ad(0x16, b"\xaa\xfe\x00\x00"), "Eddystone-UID"),
        (_ad(0x16, b"\xaa\xfe\x20\x01" + bytes(12)), "encrypted"),
        (_ad(0x16, b"\xaa\xfe\x70"), "unknown Eddystone frame type"),
        (_ad(0x16, b"\xaa\xfe\x10\x00\x09"), "scheme"),
        (_ad(0x07, bytes(15)), "128-bit UUID list"),
    ],
)
def test_malformed_input_names_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(AdvertParseError, match=message):
        parse_advertising(raw)


@given(st.binary(max_size=62))
def test_random_bytes_parse_or_fail_with_our_error(raw: bytes) -> None:
    with contextlib.suppress(AdvertParseError):
        parse_advertising(raw)


def test_ble_parse_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ble", "parse", "02010611073e6d5cec46e0be1b0165726f74736e69", "--json"]) == 0
    body = orjson.loads(capsys.readouterr().out)
    assert body["ad_structures"][1] == {"type": "0x07", "data": "3e6d5cec46e0be1b0165726f74736e69"}
    assert body["frames"] == [{"kind": "token", "prefix": PREFIX.hex(), "token": TOKEN.hex()}]
    assert main(["ble", "parse", "05ff4c00", "--json"]) == 2
    assert "claims 5 bytes" in capsys.readouterr().err
    assert main(["ble", "parse", "nothex"]) == 2
