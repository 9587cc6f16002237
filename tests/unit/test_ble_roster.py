"""The scan-callback filter: roster tokens and store beacons pass, strangers leave nothing."""

from __future__ import annotations

import uuid

from bleak.backends.scanner import AdvertisementData

from edge.presence.frames import (
    EDDYSTONE_UUID,
    EddystoneTlm,
    EddystoneUid,
    IBeacon,
    ibeacon_bytes,
    tlm_bytes,
    uid_bytes,
)
from edge.presence.roster import BEACON, TOKEN, RosterFilter
from protocol.ble_token import service_uuid
from protocol.models import Roster

PREFIX = bytes.fromhex("696e73746f726501")
ON = bytes.fromhex("1bbee046ec5c6d3e")
OFF = bytes.fromhex("0000000000000001")
BEACON_FRAME = IBeacon("f7826da6-4fa2-4e98-8024-bc5b71e0893e", 1, 10, -59)
UID = EddystoneUid("00112233445566778899", "aabbccddeeff", -20)


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


def _filter() -> RosterFilter:
    flt = RosterFilter(PREFIX, [BEACON_FRAME.beacon_id, UID.beacon_id])
    flt.update(Roster(windows=[1963584], tokens=[ON.hex()]))
    return flt


def test_roster_tokens_pass_others_are_counted_and_dropped() -> None:
    flt = _filter()
    seen = flt.admit(_adv(service_uuids=[service_uuid(PREFIX, ON)]), -61, 5.0)
    assert seen is not None
    assert (seen.id, seen.rssi, seen.t, seen.kind) == (ON.hex(), -61, 5.0, TOKEN)
    assert flt.admit(_adv(service_uuids=[service_uuid(PREFIX, OFF)]), -61, 5.0) is None
    assert flt.admit(_adv(manufacturer_data={0x004C: b"\x10\x05\x01\x02"}), -70, 5.0) is None
    assert (flt.kept, flt.dropped) == (1, 2)


def test_android_service_data_form_passes() -> None:
    adv = _adv(service_data={service_uuid(PREFIX, ON): b"\x01"})
    seen = _filter().admit(adv, -50, 1.0)
    assert seen is not None
    assert seen.id == ON.hex()


def test_roster_update_removes_a_withdrawn_token() -> None:
    flt = _filter()
    flt.update(Roster(windows=[1963584], tokens=[]))
    assert flt.admit(_adv(service_uuids=[service_uuid(PREFIX, ON)]), -61, 5.0) is None


def test_store_beacons_pass_unknown_beacons_do_not() -> None:
    flt = _filter()
    ours = flt.admit(_adv(manufacturer_data={0x004C: ibeacon_bytes(BEACON_FRAME)}), -70, 1.0)
    assert ours is not None
    assert ours.kind == BEACON
    other = IBeacon(str(uuid.UUID(int=7)), 1, 1, -59)
    assert flt.admit(_adv(manufacturer_data={0x004C: ibeacon_bytes(other)}), -70, 1.0) is None


def test_tlm_is_linked_to_its_beacon_by_the_beacons_address_only() -> None:
    flt = _filter()
    tlm = EddystoneTlm(0, 2900, 20.0, 10, 100.0)
    uid_adv = _adv(service_data={EDDYSTONE_UUID: uid_bytes(UID)})
    tlm_adv = _adv(service_data={EDDYSTONE_UUID: tlm_bytes(tlm)})
    assert flt.admit(tlm_adv, -70, 1.0, "C0:FF:EE:00:00:01") is None  # not linked yet
    assert flt.admit(uid_adv, -70, 2.0, "C0:FF:EE:00:00:01") is not None
    seen = flt.admit(tlm_adv, -70, 3.0, "C0:FF:EE:00:00:01")
    assert seen is not None
    assert (seen.id, seen.tlm) == (UID.beacon_id, tlm)
    assert flt.admit(tlm_adv, -70, 3.0, "AA:BB:CC:00:00:02") is None


def test_raw_bytes_path_matches_the_bleak_path() -> None:
    flt = _filter()
    on_air = uuid.UUID(service_uuid(PREFIX, ON)).bytes[::-1]
    seen = flt.admit_raw(bytes([17, 0x07]) + on_air, -55, 2.0)
    assert seen is not None
    assert seen.id == ON.hex()
    assert flt.admit_raw(b"\x05\xff", -55, 2.0) is None  # malformed: dropped like a stranger


def test_strangers_leave_no_trace_in_the_filter() -> None:
    flt = _filter()
    before = {name: getattr(flt, name) for name in RosterFilter.__slots__}
    for i in range(10_000):
        adv = _adv(
            manufacturer_data={0x0075: i.to_bytes(4, "big")}, service_uuids=[str(uuid.UUID(int=i))]
        )
        assert (
            flt.admit(adv, -80, float(i), f"4A:00:00:00:{i >> 8 & 0xFF:02X}:{i & 0xFF:02X}") is None
        )
    after = {name: getattr(flt, name) for name in RosterFilter.__slots__}
    assert after.pop("dropped") == 10_000
    before.pop("dropped")
    assert after == before
