"""``instore-config validate``: every kind of mistake is reported as file:line: field: message."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_configs.cli import main
from firmware_configs.not_supported import NOT_SUPPORTED
from firmware_configs.validation import validate_paths

DEMO = Path(__file__).resolve().parents[2] / "firmware_configs" / "examples" / "demo-store"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A copy of the demo store to break."""
    target = tmp_path / "store"
    shutil.copytree(DEMO, target)
    return target


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str]]:
    code = main(["validate", *map(str, paths)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out.splitlines()


def test_demo_store_is_valid_and_big_enough(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _run(capsys, DEMO)
    assert code == 0
    assert lines
    assert all(line.endswith(": ok") for line in lines)
    report = validate_paths([DEMO])
    kinds = [c.model.kind for c in report.configs]  # type: ignore[attr-defined]
    assert kinds.count("kiosk") == 3
    assert kinds.count("gateway") == 4
    beacons = next(c.model for c in report.configs if c.model.kind == "beacons")  # type: ignore[attr-defined]
    assert len(beacons.beacons) >= 8  # type: ignore[attr-defined]
    store = next(c.model for c in report.configs if c.model.kind == "store")  # type: ignore[attr-defined]
    assert len(store.zones) >= 6  # type: ignore[attr-defined]


KIOSK = """
kind: kiosk
id: kiosk-9
store: demo
zone: dairy
camera:
  fps: 15
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (KIOSK.replace("fps: 15", "fsp: 15"), ":6: camera.fsp: unknown key; did you mean 'fps'?"),
        (KIOSK.replace("fps: 15", 'fps: "15"'), ":6: camera.fps: input should be a valid integer"),
        (
            KIOSK.replace("fps: 15", "fps: 600"),
            ":6: camera.fps: input should be less than or equal to 60",
        ),
        (KIOSK.replace("id: kiosk-9", "id: Kiosk 9"), ":2: id: string should match pattern"),
        (KIOSK.replace("id: kiosk-9", "id: hub"), ":2: id: 'hub' is reserved for the hub"),
        (KIOSK.replace("zone: dairy\n", ""), ":1: zone: required key missing"),
        (KIOSK.replace("kind: kiosk", "kind: toaster"), ":1: kind: unknown kind 'toaster'"),
        (KIOSK + "  fps: 20\n", ":7: camera.fps: key given twice; remove one"),
        ("kind: [kiosk\n", ":2: yaml: "),
        ("- just\n- a list\n", ":1: yaml: a config file must be a mapping"),
    ],
)
def test_each_schema_mistake_names_line_and_field(
    store: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str
) -> None:
    path = _write(store / "kiosks" / "kiosk-9.yaml", body)
    code, lines = _run(capsys, path)
    assert code == 1
    assert any(line.startswith(f"{path}{expected}") for line in lines), lines


def test_duplicate_device_id_across_files_points_to_both(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dup = _write(
        store / "gateways" / "gw-9.yaml",
        "kind: gateway\nid: kiosk-1\nstore: demo\nzone: dairy\nposition: {x: 1.0, y: 2.0}\n",
    )
    code, lines = _run(capsys, store)
    assert code == 1
    kiosk = store / "kiosks" / "kiosk-1.yaml"  # gateways/ sorts first: the kiosk is the second
    assert f"{kiosk}:2: id: duplicate device id 'kiosk-1' (first at {dup}:2)" in lines


def test_duplicate_beacon_id_and_frame_within_the_list(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = store / "beacons.yaml"
    text = path.read_text(encoding="utf-8").replace("id: bcn-produce", "id: bcn-entrance")
    text = text.replace("major: 1, minor: 2}", "major: 1, minor: 1}")
    path.write_text(text, encoding="utf-8")
    code, lines = _run(capsys, store)
    assert code == 1
    assert any(":10: beacons[1].id: duplicate device id 'bcn-entrance'" in line for line in lines)
    assert any(
        ":12: beacons[1].ibeacon: the same iBeacon uuid/major/minor" in line for line in lines
    )


def test_unknown_zone_is_found_from_a_single_file(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = store / "kiosks" / "kiosk-2.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("zone: electronics", "zone: electronic")
    )
    # Only the kiosk file is named: store.yaml two folders up is read for its zones.
    code, lines = _run(capsys, path)
    assert code == 1
    assert lines == [f"{path}:4: zone: unknown zone 'electronic'; did you mean 'electronics'?"]


def test_unknown_store_and_beacon_zone(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = store / "beacons.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("zone: bakery", "zone: florist"))
    kiosk = store / "kiosks" / "kiosk-3.yaml"
    kiosk.write_text(kiosk.read_text(encoding="utf-8").replace("store: demo", "store: elsewhere"))
    code, lines = _run(capsys, store)
    assert code == 1
    assert f"{kiosk}:3: store: unknown store 'elsewhere' (known: demo)" in lines
    assert any(
        line.startswith(f"{path}:19: beacons[3].zone: unknown zone 'florist'") for line in lines
    )


def test_out_of_range_beacon_values(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = store / "beacons.yaml"
    text = path.read_text(encoding="utf-8").replace("major: 1, minor: 4", "major: 70000, minor: 4")
    text = text.replace("interval_ms: 350", "interval_ms: 5").replace(
        "tx_power_dbm: -4", "tx_power_dbm: 20"
    )
    path.write_text(text, encoding="utf-8")
    code, lines = _run(capsys, path)
    assert code == 1
    assert any(
        ":9: beacons[0].interval_ms: input should be greater than or equal to 20" in x
        for x in lines
    )
    assert any(
        ":20: beacons[3].ibeacon.major: input should be less than or equal to 65535" in x
        for x in lines
    )
    assert any(
        ":37: beacons[7].tx_power_dbm: input should be less than or equal to 8" in x for x in lines
    )


def test_cross_field_rules(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = "kind: gateway\nid: gw-9\nstore: demo\nzone: dairy\nposition: {x: 1.0, y: 2.0}\n"
    esp = _write(store / "gateways" / "gw-9.yaml", base + "hardware: esp32\n")
    code, lines = _run(capsys, esp)
    assert code == 1
    assert lines == [f"{esp}:1: config: an esp32 gateway needs a wifi section (it has no Ethernet)"]
    scan = _write(esp, base + "scan: {window_ms: 200, interval_ms: 100}\n")
    code, lines = _run(capsys, scan)
    assert lines == [f"{scan}:6: scan: window_ms must not exceed interval_ms"]
    lang = store / "store.yaml"
    lang.write_text(
        lang.read_text(encoding="utf-8")
        .replace("default_language: en", "default_language: en\nlanguages: [sv]")
        .replace("languages: [en, sv, de, nl, da, fi]\n", "")
    )
    code, lines = _run(capsys, lang)
    assert lines == [f"{lang}:2: config: default_language 'en' is not in languages"]


@pytest.mark.parametrize(
    ("snippet", "field", "words"),
    [
        ("face_recognition: false\n", "face_recognition", "face recognition"),
        ("face-detection: {enabled: false}\n", "face-detection", "face detection"),
        ("greeting: greet by name\n", "greeting", "by name"),
        ("extras: [scan, Personal_Pricing]\n", "extras[1]", "per-shopper prices"),
        ("camera:\n  fps: 15\n  remarketing: true\n", "camera.remarketing", "remarketing"),
    ],
)
def test_features_excluded_by_design_are_refused_with_a_sentence(
    store: Path, capsys: pytest.CaptureFixture[str], snippet: str, field: str, words: str
) -> None:
    path = _write(
        store / "kiosks" / "kiosk-9.yaml", KIOSK.replace("camera:\n  fps: 15\n", "") + snippet
    )
    code, lines = _run(capsys, path)
    assert code == 1
    hit = [line for line in lines if f": {field}: " in line]
    assert len(hit) == 1, lines
    assert words in hit[0]
    assert "not supported by design" in hit[0]


def test_every_excluded_feature_has_a_sentence() -> None:
    assert {
        "face_recognition",
        "face_detection",
        "greet_by_name",
        "personal_pricing",
        "remarketing",
    } <= set(NOT_SUPPORTED)
    assert all("not supported by design" in s for s in NOT_SUPPORTED.values())


def test_missing_file_and_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _run(capsys, tmp_path / "nope.yaml")
    assert code == 1
    assert lines == [f"{tmp_path / 'nope.yaml'}:1: file: no such file"]
    (tmp_path / "empty").mkdir()
    assert main(["validate", str(tmp_path / "empty")]) == 2
    assert "no YAML files" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text",
    [
        "kind: kiosk\n"
        + 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, n in zip("abcdef", "bcdefg", strict=True)
        ),
        "kind: kiosk\nloop: &x [*x]\n",
    ],
)
def test_alias_bombs_and_loops_are_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = _write(tmp_path / "bomb.yaml", text)
    code, lines = _run(capsys, path)
    assert code == 1
    assert lines == [
        f"{path}:1: yaml: more than 100000 values once aliases expand, or an alias inside itself"
    ]


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["kiosk", "gateway", "beacons", "store", "hub", "dairy", "demo", "face_id"]),
)
_KEYS = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        ["kind", "id", "store", "zone", "camera", "fps", "beacons", "zones", "ibeacon"]
    ),
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=5)),
    max_leaves=20,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(_KEYS, _DATA, max_size=6),
    kind=st.sampled_from(["kiosk", "gateway", "beacons", "store", "hub", None]),
)
def test_any_yaml_mapping_gets_findings_never_an_exception(
    tmp_path: Path, body: dict[str, object], kind: str | None
) -> None:
    if kind is not None:
        body["kind"] = kind
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    report = validate_paths([path])
    assert report.files == [path]
    for finding in report.findings:
        assert finding.line >= 1
        assert str(finding).startswith(f"{path}:")
