"""``instore-config schema``: JSON Schema for editors, and the checked-in copy is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware_configs.cli import main
from firmware_configs.schemas import json_schema
from firmware_configs.store_bundle import ConfigInvalidError, load_store

ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "firmware_configs" / "instore-config.schema.json"
DEMO = ROOT / "firmware_configs" / "examples" / "demo-store"


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json_schema()
    kinds = {
        m["properties"]["kind"]["const"]
        for m in printed["$defs"].values()
        if "kind" in m.get("properties", {})
    }
    assert kinds == {"store", "hub", "kiosk", "gateway", "beacons"}
    beacon = printed["$defs"]["Beacon"]
    assert beacon["additionalProperties"] is False
    assert beacon["properties"]["interval_ms"]["minimum"] == 20


def test_checked_in_schema_is_current(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_bytes() == CHECKED_IN.read_bytes(), (
        "run: instore-config schema --out firmware_configs/instore-config.schema.json"
    )


def test_load_store_returns_the_demo_store_and_its_mqtt_devices() -> None:
    bundle = load_store([DEMO])
    assert bundle.store.id == "demo"
    assert bundle.hub is not None
    ids = [d.id for d in bundle.mqtt_devices()]
    assert ids == ["gw-1", "gw-2", "gw-3", "gw-4", "kiosk-1", "kiosk-2", "kiosk-3"]
    assert len(bundle.beacons) == 8


def test_load_store_refuses_a_store_with_mistakes(tmp_path: Path) -> None:
    bad = tmp_path / "k.yaml"
    bad.write_text("kind: kiosk\nid: k-1\nstore: demo\nzone: dairy\nfps: 3\n", encoding="utf-8")
    with pytest.raises(ConfigInvalidError, match=r"k\.yaml:5: fps: unknown key") as info:
        load_store([bad])
    assert len(info.value.findings) == 1
