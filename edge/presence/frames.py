"""Advertising frames: iBeacon, Eddystone UID/URL/TLM/EID and the instore token frame.

Two entry points give the same frames: :func:`parse_advertising` reads raw advertising
bytes (AD structures, as an HCI dump or a trace has them) and
:func:`frames_from_advertisement` reads bleak's ``AdvertisementData``, whose fields the
operating system has already split. Malformed input raises :class:`AdvertParseError`
naming what is wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from edge.errors import EdgeInputError
from protocol.ble_token import PREFIX_BYTES

APPLE_COMPANY_ID: Final = 0x004C
IBEACON_HEAD: Final = b"\x02\x15"  # iBeacon type 0x02, length 0x15 (21 bytes follow)
EDDYSTONE_UUID16: Final = 0xFEAA
EDDYSTONE_UUID: Final = "0000feaa-0000-1000-8000-00805f9b34fb"
_BASE_UUID_TAIL: Final = "-0000-1000-8000-00805f9b34fb"  # Bluetooth base UUID

# AD types (Bluetooth Core Supplement, part A)
AD_FLAGS: Final = 0x01
AD_UUID16_INCOMPLETE: Final = 0x02
AD_UUID16_COMPLETE: Final = 0x03
AD_UUID128_INCOMPLETE: Final = 0x06
AD_UUID128_COMPLETE: Final = 0x07
AD_NAME_SHORT: Final = 0x08
AD_NAME_COMPLETE: Final = 0x09
AD_TX_POWER: Final = 0x0A
AD_SERVICE_DATA16: Final = 0x16
AD_SERVICE_DATA128: Final = 0x21
AD_MANUFACTURER: Final = 0xFF

_URL_SCHEMES: Final = ("http://www.", "https://www.", "http://", "https://")
_URL_CODES: Final = (
    ".com/", ".org/", ".edu/", ".net/", ".info/", ".biz/", ".gov/",
    ".com", ".org", ".edu", ".net", ".info", ".biz", ".gov",
)  # fmt: skip


class AdvertParseError(EdgeInputError):
    """Advertising bytes or fields that do not follow the frame they claim to be."""


class AdvertisementLike(Protocol):
    """The fields of bleak's ``AdvertisementData`` the parsers read."""

    @property
    def manufacturer_data(self) -> Mapping[int, bytes]: ...
    @property
    def service_data(self) -> Mapping[str, bytes]: ...
    @property
    def service_uuids(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class IBeacon:
    uuid: str
    major: int
    minor: int
    tx_power_1m: int  # calibrated RSSI at 1 m, dBm

    @property
    def beacon_id(self) -> str:
        return f"ibeacon:{self.uuid}:{self.major}:{self.minor}"


@dataclass(frozen=True, slots=True)
class EddystoneUid:
    namespace: str  # 10 bytes, hex
    instance: str  # 6 bytes, hex
    tx_power_0m: int

    @property
    def beacon_id(self) -> str:
        return f"eddystone:{self.namespace}:{self.instance}"


@dataclass(frozen=True, slots=True)
class EddystoneUrl:
    url: str
    tx_power_0m: int


@dataclass(frozen=True, slots=True)
class EddystoneTlm:
    """Telemetry: what beacon health reports to the hub."""

    version: int
    battery_mv: int | None  # None: the beacon is mains powered (0 on the wire)
    temperature_c: float | None  # None: not supported (0x8000 on the wire)
    adv_count: int
    uptime_s: float


@dataclass(frozen=True, slots=True)
class EddystoneEid:
    eid: str  # 8 bytes, hex
    tx_power_0m: int


@dataclass(frozen=True, slots=True)
class TokenFrame:
    """The instore opt-in frame: a 128-bit service UUID ``prefix || token``."""

    prefix: str  # 8 bytes, hex
    token: str  # 8 bytes, hex


@dataclass(frozen=True, slots=True)
class AdStructure:
    ad_type: int
    data: bytes


Frame = IBeacon | EddystoneUid | EddystoneUrl | EddystoneTlm | EddystoneEid | TokenFrame


def split_ad_structures(raw: bytes) -> list[AdStructure]:
    """Split advertising data into AD structures ``[length][type][data...]``."""
    out: list[AdStructure] = []
    i = 0
    while i < len(raw):
        length = raw[i]
        if length == 0:  # zero padding ends the significant part
            break
        end = i + 1 + length
        if end > len(raw):
            raise AdvertParseError(
                f"AD structure at byte {i} claims {length} bytes, only {len(raw) - i - 1} remain"
            )
        out.append(AdStructure(raw[i + 1], bytes(raw[i + 2 : end])))
        i = end
    return out


def parse_ibeacon(data: bytes) -> IBeacon | None:
    """An iBeacon from Apple manufacturer data (without the company id), or None."""
    if data[:2] != IBEACON_HEAD:
        return None
    if len(data) != 23:
        raise AdvertParseError(f"iBeacon data has 23 bytes, got {len(data)}")
    return IBeacon(
        uuid=str(uuid.UUID(bytes=data[2:18])),
        major=int.from_bytes(data[18:20], "big"),
        minor=int.from_bytes(data[20:22], "big"),
        tx_power_1m=int.from_bytes(data[22:23], "big", signed=True),
    )


def parse_eddystone(data: bytes) -> Frame:
    """An Eddystone frame from service data of UUID 0xFEAA."""
    if not data:
        raise AdvertParseError("Eddystone service data is empty")
    kind = data[0]
    if kind == 0x00:
        if len(data) not in (18, 20):  # 2 reserved bytes are optional in practice
            raise AdvertParseError(f"Eddystone-UID has 18 or 20 bytes, got {len(data)}")
        return EddystoneUid(data[2:12].hex(), data[12:18].hex(), _int8(data[1]))
    if kind == 0x10:
        return EddystoneUrl(_decode_url(data[2:]), _int8(_need(data, 3, "URL")[1]))
    if kind == 0x20:
        return _parse_tlm(data)
    if kind == 0x30:
        if len(data) != 10:
            raise AdvertParseError(f"Eddystone-EID has 10 bytes, got {len(data)}")
        return EddystoneEid(data[2:10].hex(), _int8(data[1]))
    raise AdvertParseError(f"unknown Eddystone frame type 0x{kind:02x}")


def _parse_tlm(data: bytes) -> EddystoneTlm:
    if len(data) < 2:
        raise AdvertParseError("Eddystone-TLM is too short")
    if data[1] != 0x00:
        # version 1 is encrypted TLM: only the beacon's owner can read it
        raise AdvertParseError(f"Eddystone-TLM version {data[1]} (encrypted) cannot be read")
    if len(data) != 14:
        raise AdvertParseError(f"Eddystone-TLM has 14 bytes, got {len(data)}")
    mv = int.from_bytes(data[2:4], "big")
    raw_temp = int.from_bytes(data[4:6], "big", signed=True)
    return EddystoneTlm(
        version=0,
        battery_mv=mv or None,
        temperature_c=None if raw_temp == -0x8000 else raw_temp / 256.0,  # signed 8.8 fixed
        adv_count=int.from_bytes(data[6:10], "big"),
        uptime_s=int.from_bytes(data[10:14], "big") / 10.0,  # 0.1 s resolution
    )


def _decode_url(body: bytes) -> str:
    if not body:
        raise AdvertParseError("Eddystone-URL has no scheme byte")
    if body[0] >= len(_URL_SCHEMES):
        raise AdvertParseError(f"Eddystone-URL scheme 0x{body[0]:02x} is unknown")
    parts = [_URL_SCHEMES[body[0]]]
    for b in body[1:]:
        if b < len(_URL_CODES):
            parts.append(_URL_CODES[b])
        elif 0x20 < b < 0x7F:
            parts.append(chr(b))
        else:
            raise AdvertParseError(f"Eddystone-URL byte 0x{b:02x} is not printable")
    return "".join(parts)


def _need(data: bytes, n: int, what: str) -> bytes:
    if len(data) < n:
        raise AdvertParseError(f"Eddystone-{what} is too short")
    return data


def _int8(b: int) -> int:
    return b - 256 if b > 127 else b


def _token_frame(raw_uuid: bytes, prefix: bytes | None) -> TokenFrame | None:
    if prefix is not None and raw_uuid[:PREFIX_BYTES] != prefix:
        return None
    return TokenFrame(raw_uuid[:PREFIX_BYTES].hex(), raw_uuid[PREFIX_BYTES:].hex())


def parse_advertising(raw: bytes, prefix: bytes | None = None) -> list[Frame]:
    """Every frame this module knows in raw advertising data.

    ``prefix``: the chain prefix; 128-bit service UUIDs that do not start with it are
    not token frames. Without it, every 128-bit service UUID is shown as one (for
    ``ble parse``, where a developer looks at a phone's frame).
    """
    frames: list[Frame] = []
    for ad in split_ad_structures(raw):
        frames.extend(_ad_frames(ad, prefix))
    return frames


def _ad_frames(ad: AdStructure, prefix: bytes | None) -> list[Frame]:
    frames: list[Frame] = []
    if ad.ad_type in (AD_UUID128_COMPLETE, AD_UUID128_INCOMPLETE):
        if len(ad.data) % 16:
            raise AdvertParseError(f"128-bit UUID list has {len(ad.data)} bytes")
        for i in range(0, len(ad.data), 16):
            frame = _token_frame(ad.data[i : i + 16][::-1], prefix)  # little-endian on air
            if frame is not None:
                frames.append(frame)
    elif ad.ad_type == AD_SERVICE_DATA128:
        if len(ad.data) < 16:
            raise AdvertParseError("128-bit service data is shorter than its UUID")
        frame = _token_frame(ad.data[:16][::-1], prefix)
        if frame is not None:
            frames.append(frame)
    elif ad.ad_type == AD_SERVICE_DATA16:
        if len(ad.data) < 2:
            raise AdvertParseError("16-bit service data is shorter than its UUID")
        if int.from_bytes(ad.data[:2], "little") == EDDYSTONE_UUID16:
            frames.append(parse_eddystone(ad.data[2:]))
    elif ad.ad_type == AD_MANUFACTURER:
        frames.extend(_manufacturer_frames(ad.data))
    return frames


def _manufacturer_frames(data: bytes) -> list[Frame]:
    if len(data) < 2:
        raise AdvertParseError("manufacturer data is shorter than its company id")
    if int.from_bytes(data[:2], "little") == APPLE_COMPANY_ID:
        beacon = parse_ibeacon(data[2:])
        if beacon is not None:
            return [beacon]
    return []


def frames_from_advertisement(adv: AdvertisementLike, prefix: bytes | None = None) -> list[Frame]:
    """The same frames as :func:`parse_advertising`, from bleak's ``AdvertisementData``."""
    frames: list[Frame] = []
    for text in (*adv.service_uuids, *adv.service_data):
        if text == EDDYSTONE_UUID or text.endswith(_BASE_UUID_TAIL):
            continue
        try:
            raw_uuid = uuid.UUID(text).bytes
        except ValueError as exc:
            raise AdvertParseError(f"service UUID {text!r} is not a UUID") from exc
        frame = _token_frame(raw_uuid, prefix)
        if frame is not None and frame not in frames:
            frames.append(frame)
    eddystone = adv.service_data.get(EDDYSTONE_UUID)
    if eddystone is not None:
        frames.append(parse_eddystone(eddystone))
    apple = adv.manufacturer_data.get(APPLE_COMPANY_ID)
    if apple is not None:
        beacon = parse_ibeacon(apple)
        if beacon is not None:
            frames.append(beacon)
    return frames


def frame_to_json(frame: Frame) -> dict[str, Any]:
    """A frame as a JSON object with a ``kind`` field, for ``ble parse --json``."""
    kind = {
        IBeacon: "ibeacon",
        EddystoneUid: "eddystone_uid",
        EddystoneUrl: "eddystone_url",
        EddystoneTlm: "eddystone_tlm",
        EddystoneEid: "eddystone_eid",
        TokenFrame: "token",
    }[type(frame)]
    body: dict[str, Any] = {"kind": kind}
    body.update({name: getattr(frame, name) for name in frame.__slots__})
    if isinstance(frame, IBeacon | EddystoneUid):
        body["beacon_id"] = frame.beacon_id
    return body


def ibeacon_bytes(beacon: IBeacon) -> bytes:
    """Apple manufacturer data (without company id) for ``beacon``: for simulators and tests."""
    return (
        IBEACON_HEAD
        + uuid.UUID(beacon.uuid).bytes
        + beacon.major.to_bytes(2, "big")
        + beacon.minor.to_bytes(2, "big")
        + (beacon.tx_power_1m & 0xFF).to_bytes(1, "big")
    )


def tlm_bytes(tlm: EddystoneTlm) -> bytes:
    """Eddystone service data for an unencrypted TLM frame: for simulators and tests."""
    temp = 0x8000 if tlm.temperature_c is None else round(tlm.temperature_c * 256) & 0xFFFF
    return (
        b"\x20\x00"
        + (tlm.battery_mv or 0).to_bytes(2, "big")
        + temp.to_bytes(2, "big")
        + tlm.adv_count.to_bytes(4, "big")
        + round(tlm.uptime_s * 10).to_bytes(4, "big")
    )


def uid_bytes(uid: EddystoneUid) -> bytes:
    """Eddystone service data for a UID frame: for simulators and tests."""
    return (
        b"\x00"
        + (uid.tx_power_0m & 0xFF).to_bytes(1, "big")
        + bytes.fromhex(uid.namespace)
        + bytes.fromhex(uid.instance)
        + b"\x00\x00"
    )
