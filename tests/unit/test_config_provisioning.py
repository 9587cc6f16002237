"""Beacon and ESP32 gateway provisioning files made from the demo store's configs."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import pytest

from firmware_configs.cli import main
from firmware_configs.errors import ConfigError
from firmware_configs.provisioning import (
    NVS_KEY_MAX,
    NVS_PARTITION_SIZE,
    GatewaySecrets,
    NvsEntry,
    beacons_csv,
    build_nvs_partition,
    eddystone_uid_adv,
    gateway_nvs_entries,
    ibeacon_adv,
    nvs_csv,
)
from firmware_configs.schemas import EddystoneFrame, IBeaconFrame
from firmware_configs.store_bundle import StoreBundle, load_store
from protocol.enrolment import BrokerAddress, DeviceIdentity
from protocol.kinds import DeviceKind

DEMO = Path(__file__).resolve().parents[2] / "firmware_configs" / "examples" / "demo-store"


@pytest.fixture(scope="module")
def bundle() -> StoreBundle:
    return load_store([DEMO])


def test_ibeacon_advertising_data_follows_the_frame_layout() -> None:
    frame = IBeaconFrame(
        uuid="e2c56db5-dffb-48d2-b060-d0f5a71096e0", major=1, minor=513, measured_power_dbm=-59
    )
    # flags | len 26, manufacturer data, Apple 0x004C LE, type 0x02, len 0x15, UUID, major,
    # minor (big-endian), measured power as int8.
    want = "0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e000010201c5"
    assert ibeacon_adv(frame).hex() == want
    assert len(ibeacon_adv(frame)) == 30


def test_eddystone_uid_advertising_data_follows_the_frame_layout() -> None:
    frame = EddystoneFrame(
        namespace="00112233445566778899", instance="aabbccddeeff", ranging_dbm=-20
    )
    # flags | service list 0xFEAA | service data: len 23, 0x16, 0xFEAA, UID, ranging -20,
    # namespace, instance, two reserved bytes.
    want = "0201060303aafe1716aafe00ec00112233445566778899aabbccddeeff0000"
    assert eddystone_uid_adv(frame).hex() == want
    assert len(eddystone_uid_adv(frame)) <= 31  # legacy advertising payload limit


def test_beacon_csv_has_one_row_per_beacon(bundle: StoreBundle) -> None:
    rows = list(csv.DictReader(io.StringIO(beacons_csv(bundle))))
    assert [r["id"] for r in rows] == [b.id for b in bundle.beacons]
    entrance = rows[0]
    assert entrance["ibeacon_major"] == "1"
    assert entrance["interval_units"] == "560"  # 350 ms / 0.625 ms
    assert entrance["eddystone_tlm"] == "true"
    bakery = next(r for r in rows if r["id"] == "bcn-bakery")
    assert bakery["eddystone_adv_hex"] == ""
    assert bakery["eddystone_tlm"] == ""


def test_beacons_command_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "beacons.json"
    assert main(["provision", "beacons", str(DEMO), "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["store"] == "demo"
    assert len(doc["beacons"]) == 8
    assert doc["beacons"][0]["ibeacon_adv_hex"].startswith("0201061aff4c000215")
    assert main(["provision", "beacons", str(tmp_path)]) == 2
    assert "expected one store config" in capsys.readouterr().err


def _identity(device: str = "gw-2", store: str = "demo") -> DeviceIdentity:
    key = base64.b64encode(bytes(range(32))).decode()
    return DeviceIdentity(
        store=store,
        device=device,
        kind=DeviceKind.GATEWAY,
        signing_key=key,
        hub_seal_key=key,
        broker=BrokerAddress(
            host="hub.demo.local", port=8883, username=device, password="s3cret-pw"
        ),
    )


def test_gateway_nvs_entries_fit_nvs_rules(bundle: StoreBundle, tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    secrets = GatewaySecrets(identity=_identity(), wifi_password="wifi-pw", ca_cert=ca)
    entries = {e.key: e for e in gateway_nvs_entries(bundle, "gw-2", secrets)}
    assert all(len(k) <= NVS_KEY_MAX for k in entries)
    assert entries["instore"].type == "namespace"
    assert entries["mqtt_port"].value == "8883"  # TLS: the store's tls_port
    assert entries["mqtt_tls"].value == "1"
    assert entries["mqtt_pass"].value == "s3cret-pw"
    assert entries["zone"].value == "produce"
    assert entries["topic_root"].value == "instore/v1/demo/gw-2"
    assert entries["ca_crt"].type == "file"
    assert entries["pos_x_cm"].value == "900"
    # 8 beacons, 12 frames: 4 send both iBeacon and Eddystone.
    assert len(bytes.fromhex(entries["beacons"].value)) == 12 * 21


def test_gateway_refusals(bundle: StoreBundle) -> None:
    with pytest.raises(ConfigError, match="linux gateway"):
        gateway_nvs_entries(bundle, "gw-1")
    with pytest.raises(ConfigError, match="no gateway 'gw-9'"):
        gateway_nvs_entries(bundle, "gw-9")
    with pytest.raises(ConfigError, match="identity file is for gw-3"):
        gateway_nvs_entries(bundle, "gw-2", GatewaySecrets(identity=_identity("gw-3")))
    with pytest.raises(ConfigError, match="NVS key"):
        NvsEntry("a_key_that_is_too_long", "data", "u8", "1")


def test_espressif_tool_builds_a_partition_from_our_csv(
    bundle: StoreBundle, tmp_path: Path
) -> None:
    secrets = GatewaySecrets(identity=_identity(), wifi_password="wifi-pw")
    csv_path = tmp_path / "gw-2.nvs.csv"
    csv_path.write_text(nvs_csv(gateway_nvs_entries(bundle, "gw-2", secrets)))
    bin_path = tmp_path / "gw-2.nvs.bin"
    build_nvs_partition(csv_path, bin_path)
    image = bin_path.read_bytes()
    assert len(image) == NVS_PARTITION_SIZE
    for text in (b"demo-store-iot", b"wifi-pw", b"s3cret-pw", b"instore/v1/demo/gw-2"):
        assert text in image
    # The tool refuses what NVS cannot hold, and we say so in one sentence.
    bad = tmp_path / "bad.csv"
    bad.write_text(
        nvs_csv([NvsEntry("instore", "namespace", "", ""), NvsEntry("x", "data", "u8", "300")])
    )
    with pytest.raises(ConfigError, match="NVS partition generator refused"):
        build_nvs_partition(bad, tmp_path / "bad.bin")


def test_gateway_command_writes_private_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ident = tmp_path / "gw-3.yaml"
    _identity("gw-3").write(ident)
    monkeypatch.setenv("TEST_WIFI_PW", "wifi-pw")
    args = [
        "provision",
        "gateway",
        str(DEMO),
        "--id",
        "gw-3",
        "--out",
        str(tmp_path / "out"),
        "--identity",
        str(ident),
        "--wifi-password-env",
        "TEST_WIFI_PW",
    ]
    assert main(args) == 0
    out = tmp_path / "out" / "gw-3.nvs.csv"
    assert out.stat().st_mode & 0o777 == 0o600
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["wifi_pass"]["value"] == "wifi-pw"
    assert rows["sign_key"]["encoding"] == "base64"
    assert main([*args[:-1], "NOT_SET_ANYWHERE"]) == 2
