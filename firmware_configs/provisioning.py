"""Provisioning files made from a store's configs, in the formats the devices' tools take.

Beacons: one row per beacon (CSV for vendors' bulk-configuration apps and spreadsheets,
JSON for scripts), with the raw advertising data of each frame as hex, which HCI
``LE Set Advertising Data``, ESP-IDF's ``esp_ble_gap_config_adv_data_raw``, Zephyr and
nRF Connect's advertiser take as they are.

ESP32-class gateways: a CSV for Espressif's NVS partition generator
(``esp-idf-nvs-partition-gen``), which turns it into a partition image to flash with
``esptool``; :func:`build_nvs_partition` runs that tool. See docs/provisioning.md.
"""

from __future__ import annotations

import base64
import csv
import io
import os
import struct
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final, Literal

import orjson

from firmware_configs.errors import ConfigError
from firmware_configs.schemas import Beacon, EddystoneFrame, GatewayConfig, IBeaconFrame
from firmware_configs.store_bundle import StoreBundle
from protocol.enrolment import DeviceIdentity
from protocol.topics import PREFIX

# AD "Flags": LE General Discoverable, BR/EDR not supported (what beacons send).
_FLAGS: Final = bytes.fromhex("020106")
_APPLE: Final = 0x004C
_IBEACON_TYPE: Final = bytes.fromhex("0215")  # iBeacon indicator and its 21-byte length
_EDDYSTONE_UUID: Final = bytes.fromhex("aafe")  # 0xFEAA, little-endian on air
_EDDYSTONE_UID: Final = 0x00
_ADV_UNIT_MS: Final = 0.625  # BLE advertising intervals are counted in 0.625 ms units

NVS_NAMESPACE: Final = "instore"
NVS_KEY_MAX: Final = 15  # ESP-IDF NVS keys are at most 15 characters
# 24 KiB: six 4 KiB pages, room for three certificates and a key with pages to spare
# for wear levelling (NVS needs one free page).
NVS_PARTITION_SIZE: Final = 0x6000
_BEACON_KIND: Final = {"ibeacon": 1, "eddystone": 2}


# --- beacons ---------------------------------------------------------------------------


def ibeacon_adv(frame: IBeaconFrame) -> bytes:
    """The advertising data of an iBeacon frame: flags, then Apple's manufacturer data."""
    body = struct.pack("<H", _APPLE) + _IBEACON_TYPE + uuid.UUID(frame.uuid).bytes
    body += struct.pack(">HHb", frame.major, frame.minor, frame.measured_power_dbm)
    return _FLAGS + bytes([len(body) + 1, 0xFF]) + body


def eddystone_uid_adv(frame: EddystoneFrame) -> bytes:
    """The advertising data of an Eddystone-UID frame: flags, service list, service data."""
    service_list = bytes([3, 0x03]) + _EDDYSTONE_UUID
    body = _EDDYSTONE_UUID + struct.pack("<Bb", _EDDYSTONE_UID, frame.ranging_dbm)
    body += bytes.fromhex(frame.namespace) + bytes.fromhex(frame.instance) + b"\x00\x00"
    return _FLAGS + service_list + bytes([len(body) + 1, 0x16]) + body


@dataclass(frozen=True, slots=True)
class BeaconSettings:
    """Everything one beacon is set to, flat, for CSV and JSON."""

    id: str
    zone: str
    tx_power_dbm: int
    interval_ms: int
    interval_units: int
    ibeacon_uuid: str
    ibeacon_major: int | None
    ibeacon_minor: int | None
    ibeacon_measured_power_dbm: int | None
    ibeacon_adv_hex: str
    eddystone_namespace: str
    eddystone_instance: str
    eddystone_ranging_dbm: int | None
    eddystone_tlm: bool | None
    eddystone_adv_hex: str


def beacon_settings(beacon: Beacon) -> BeaconSettings:
    """The settings of one beacon; the fields of a frame it does not send are empty."""
    ib, ed = beacon.ibeacon, beacon.eddystone
    return BeaconSettings(
        id=beacon.id,
        zone=beacon.zone,
        tx_power_dbm=beacon.tx_power_dbm,
        interval_ms=beacon.interval_ms,
        interval_units=round(beacon.interval_ms / _ADV_UNIT_MS),
        ibeacon_uuid=ib.uuid if ib else "",
        ibeacon_major=ib.major if ib else None,
        ibeacon_minor=ib.minor if ib else None,
        ibeacon_measured_power_dbm=ib.measured_power_dbm if ib else None,
        ibeacon_adv_hex=ibeacon_adv(ib).hex() if ib else "",
        eddystone_namespace=ed.namespace if ed else "",
        eddystone_instance=ed.instance if ed else "",
        eddystone_ranging_dbm=ed.ranging_dbm if ed else None,
        eddystone_tlm=ed.tlm if ed else None,
        eddystone_adv_hex=eddystone_uid_adv(ed).hex() if ed else "",
    )


def beacons_csv(bundle: StoreBundle) -> str:
    """One CSV row per beacon with a header row; empty cells for frames not sent."""
    rows = [asdict(beacon_settings(b)) for b in bundle.beacons]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(BeaconSettings.__dataclass_fields__))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: "" if v is None else str(v).lower() if isinstance(v, bool) else v
                for k, v in row.items()
            }
        )
    return out.getvalue()


def beacons_json(bundle: StoreBundle) -> bytes:
    """``{"store", "version", "beacons": [...]}`` as indented JSON."""
    doc = {
        "store": bundle.store.id,
        "version": bundle.store.version,
        "beacons": [asdict(beacon_settings(b)) for b in bundle.beacons],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


# --- ESP32 gateways ----------------------------------------------------------------------

NvsType = Literal["namespace", "data", "file"]


@dataclass(frozen=True, slots=True)
class NvsEntry:
    """One row of an NVS partition CSV: ``key,type,encoding,value``."""

    key: str
    type: NvsType
    encoding: str
    value: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.key) <= NVS_KEY_MAX:
            raise ConfigError(f"NVS key {self.key!r} must be 1 to {NVS_KEY_MAX} characters")


@dataclass(frozen=True, slots=True)
class GatewaySecrets:
    """What a gateway needs that no config file holds: passwords and key material.

    ``identity`` is the file ``instore-hub device add`` wrote (signing key, hub sealing
    key, broker password); certificate paths are read by the NVS tool when it runs."""

    identity: DeviceIdentity | None = None
    wifi_password: str | None = None
    ca_cert: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None


def beacon_records(beacons: Sequence[Beacon]) -> bytes:
    """The store beacons a gateway keeps, as 21-byte records: kind (1 iBeacon, 2 Eddystone),
    then uuid+major+minor (20 bytes) or namespace+instance (16 bytes, zero-padded)."""
    out = bytearray()
    for beacon in beacons:
        if beacon.ibeacon is not None:
            ib = beacon.ibeacon
            out += bytes([_BEACON_KIND["ibeacon"]]) + uuid.UUID(ib.uuid).bytes
            out += struct.pack(">HH", ib.major, ib.minor)
        if beacon.eddystone is not None:
            ed = beacon.eddystone
            ident = bytes.fromhex(ed.namespace) + bytes.fromhex(ed.instance)
            out += bytes([_BEACON_KIND["eddystone"]]) + ident.ljust(20, b"\x00")
    return bytes(out)


def gateway_nvs_entries(
    bundle: StoreBundle, gateway_id: str, secrets: GatewaySecrets | None = None
) -> list[NvsEntry]:
    """The NVS entries of an ESP32 gateway, namespace ``instore``.

    Raises :class:`ConfigError` for a Linux gateway (it runs the edge agent with its YAML
    config instead) or when the identity file is for another device or store."""
    gateway = bundle.gateway(gateway_id)
    if gateway.hardware != "esp32":
        raise ConfigError(
            f"{gateway_id} is a {gateway.hardware} gateway: it runs the edge agent, "
            "which reads its YAML config; NVS provisioning is for esp32 gateways"
        )
    secrets = secrets or GatewaySecrets()
    identity = secrets.identity
    if identity is not None and (identity.device, identity.store) != (gateway.id, bundle.store.id):
        raise ConfigError(
            f"the identity file is for {identity.device} in {identity.store}, "
            f"not {gateway.id} in {bundle.store.id}"
        )
    tls = secrets.ca_cert is not None
    broker = bundle.store.broker
    port = broker.tls_port if tls and broker.tls_port else broker.port
    entries = [
        NvsEntry(NVS_NAMESPACE, "namespace", "", ""),
        NvsEntry("cfg_ver", "data", "u32", str(bundle.store.version)),
        NvsEntry("store", "data", "string", bundle.store.id),
        NvsEntry("device", "data", "string", gateway.id),
        NvsEntry("zone", "data", "string", gateway.zone),
        NvsEntry("topic_root", "data", "string", f"{PREFIX}/{bundle.store.id}/{gateway.id}"),
        NvsEntry("mqtt_host", "data", "string", broker.host),
        NvsEntry("mqtt_port", "data", "u16", str(port)),
        NvsEntry("mqtt_tls", "data", "u8", "1" if tls else "0"),
        NvsEntry("mqtt_user", "data", "string", gateway.id),
        *_scan_entries(gateway, bundle),
    ]
    if gateway.wifi is not None:
        entries.append(NvsEntry("wifi_ssid", "data", "string", gateway.wifi.ssid))
    entries += _secret_entries(secrets)
    return entries


def _scan_entries(gateway: GatewayConfig, bundle: StoreBundle) -> list[NvsEntry]:
    scan, pos = gateway.scan, gateway.position
    entries = [
        NvsEntry("ble_prefix", "data", "hex2bin", bundle.store.ble.token_prefix),
        NvsEntry("ble_win_s", "data", "u16", str(bundle.store.ble.window_s)),
        NvsEntry("scan_win_ms", "data", "u16", str(scan.window_ms)),
        NvsEntry("scan_int_ms", "data", "u16", str(scan.interval_ms)),
        NvsEntry("scan_active", "data", "u8", "1" if scan.active else "0"),
        NvsEntry("rssi_floor", "data", "i8", str(scan.rssi_floor_dbm)),
        NvsEntry("hb_s", "data", "u16", str(gateway.heartbeat_s)),
        # Centimetres as integers: NVS has no float type.
        NvsEntry("pos_x_cm", "data", "i32", str(round(pos.x * 100))),
        NvsEntry("pos_y_cm", "data", "i32", str(round(pos.y * 100))),
        NvsEntry("level", "data", "i8", str(pos.level)),
    ]
    records = beacon_records(bundle.beacons)
    if records:
        entries.append(NvsEntry("beacons", "data", "hex2bin", records.hex()))
    return entries


def _secret_entries(secrets: GatewaySecrets) -> list[NvsEntry]:
    entries: list[NvsEntry] = []
    identity = secrets.identity
    if identity is not None:
        _check_key(identity.signing_key, "signing_key")
        _check_key(identity.hub_seal_key, "hub_seal_key")
        entries.append(NvsEntry("sign_key", "data", "base64", identity.signing_key))
        entries.append(NvsEntry("seal_pub", "data", "base64", identity.hub_seal_key))
        if identity.broker.password:
            entries.append(NvsEntry("mqtt_pass", "data", "string", identity.broker.password))
    if secrets.wifi_password is not None:
        entries.append(NvsEntry("wifi_pass", "data", "string", secrets.wifi_password))
    for key, path in (
        ("ca_crt", secrets.ca_cert),
        ("cli_crt", secrets.client_cert),
        ("cli_key", secrets.client_key),
    ):
        if path is not None:
            if not Path(path).is_file():
                raise ConfigError(f"{path}: no such file for NVS entry {key}")
            entries.append(NvsEntry(key, "file", "string", str(Path(path).resolve())))
    return entries


def _check_key(text: str, what: str) -> None:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ConfigError(f"identity file: {what} is not base64") from exc
    if len(raw) != 32:  # Ed25519 seeds and X25519 public keys are 32 bytes
        raise ConfigError(f"identity file: {what} is {len(raw)} bytes, not 32")


def nvs_csv(entries: Sequence[NvsEntry]) -> str:
    """The CSV text ``nvs_partition_gen`` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "type", "encoding", "value"])
    writer.writerows([e.key, e.type, e.encoding, e.value] for e in entries)
    return out.getvalue()


def write_nvs_csv(folder: Path, gateway: str, text: str) -> Path:
    """Write a gateway's NVS CSV as ``folder/ID.nvs.csv`` (``folder`` made if missing),
    owner-only: it may hold the broker and Wi-Fi passwords and the signing key."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{gateway}.nvs.csv"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    return path


def build_nvs_partition(csv_path: Path, bin_path: Path, size: int = NVS_PARTITION_SIZE) -> None:
    """Run Espressif's NVS partition generator on ``csv_path`` to make ``bin_path``."""
    cmd = [
        sys.executable,
        "-m",
        "esp_idf_nvs_partition_gen",
        "generate",
        str(csv_path),
        str(bin_path),
        hex(size),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"cannot run the NVS partition generator: {exc}") from exc
    if done.returncode != 0 or not bin_path.is_file():
        lines = (done.stderr or done.stdout).strip().splitlines()
        why = lines[-1] if lines else f"exit status {done.returncode}"
        raise ConfigError(f"the NVS partition generator refused {csv_path}: {why}")
