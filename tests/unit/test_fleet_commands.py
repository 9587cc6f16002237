"""``instore-hub fleet``: init from the demo store's configs, rotate, revoke, regenerate the ACL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509

from hub.cli import main
from hub.fleet.passwords import read_password_file, verify_password
from hub.settings import HubHome, parse_broker_url

DEMO = Path(__file__).resolve().parents[2] / "firmware_configs" / "examples" / "demo-store"


def _serial(path: Path) -> int:
    return x509.load_pem_x509_certificate(path.read_bytes()).serial_number


def _revoked(crl_path: Path, serial: int) -> bool:
    crl = x509.load_pem_x509_crl(crl_path.read_bytes())
    return crl.get_revoked_certificate_by_serial_number(serial) is not None


def test_init_rotate_revoke_acl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = tmp_path / "fleet"
    assert main(["fleet", "init", str(DEMO), "--dir", str(fleet), "--tls-port", "18883"]) == 0
    out = capsys.readouterr().out
    assert "listener 18883 0.0.0.0" in out
    creds = json.loads((fleet / "credentials.json").read_text())
    assert set(creds) == {
        "hub",
        "hub.consent",
        "kiosk-1",
        "kiosk-2",
        "kiosk-3",
        "gw-1",
        "gw-2",
        "gw-3",
        "gw-4",
    }
    hashes = read_password_file(fleet / "passwd")
    assert all(verify_password(creds[u], hashes[u]) for u in creds)

    old = _serial(fleet / "clients" / "kiosk-1.crt")
    assert main(["fleet", "rotate", "kiosk-1", "--dir", str(fleet)]) == 0
    new_creds = json.loads((fleet / "credentials.json").read_text())
    assert new_creds["kiosk-1"] != creds["kiosk-1"]
    assert new_creds["kiosk-2"] == creds["kiosk-2"]
    assert verify_password(new_creds["kiosk-1"], read_password_file(fleet / "passwd")["kiosk-1"])
    assert _revoked(fleet / "crl.pem", old)
    assert not _revoked(fleet / "crl.pem", _serial(fleet / "clients" / "kiosk-1.crt"))

    gw2 = _serial(fleet / "clients" / "gw-2.crt")
    assert main(["fleet", "revoke", "gw-2", "--dir", str(fleet)]) == 0
    assert "gw-2" not in read_password_file(fleet / "passwd")
    assert _revoked(fleet / "crl.pem", gw2)
    assert main(["fleet", "acl", str(DEMO), "--dir", str(fleet)]) == 0
    users = [x for x in (fleet / "acl").read_text().splitlines() if x.startswith("user ")]
    assert "user gw-2" not in users
    assert "user gw-3" in users
    capsys.readouterr()
    assert main(["fleet", "rotate", "gw-2", "--dir", str(fleet)]) == 2
    assert "gw-2 is revoked" in capsys.readouterr().err
    assert main(["fleet", "revoke", "hub", "--dir", str(fleet)]) == 2
    assert main(["fleet", "revoke", "gw-1", "--dir", str(fleet), "--broker-pid", "999999999"]) == 2
    assert "no broker process" in capsys.readouterr().err


def test_init_refuses_bad_configs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "store.yaml"
    bad.write_text("kind: store\nid: demo\n")
    assert main(["fleet", "init", str(bad), "--dir", str(tmp_path / "f")]) == 2
    assert "invalid config" in capsys.readouterr().err


def test_the_hub_takes_its_two_logins_from_the_fleet_directory(tmp_path: Path) -> None:
    fleet, data = tmp_path / "fleet", tmp_path / "hub"
    assert main(["fleet", "init", str(DEMO), "--dir", str(fleet)]) == 0
    creds = json.loads((fleet / "credentials.json").read_text())
    broker = "mqtts://hub.demo.local:8883"
    args = ["init", "--store", "demo", "--data", str(data), "--fleet-dir", str(fleet)]
    assert main([*args, "--broker", broker]) == 0
    settings = HubHome(data).settings()
    assert settings.fleet_dir == fleet.resolve()
    for login, user in ((settings.broker, "hub"), (settings.consent_broker, "hub.consent")):
        assert login is not None
        assert (login.host, login.port, login.username) == ("hub.demo.local", 8883, user)
        assert login.password == creds[user]
        assert Path(str(login.tls_cert)).name == f"{user}.crt"
        assert Path(str(login.tls_ca)).exists()


def test_a_broker_url_carries_its_login() -> None:
    login = parse_broker_url("mqtt://hub:p%40ss@127.0.0.1:1884")
    assert (login.username, login.password, login.port) == ("hub", "p@ss", 1884)
