"""The store CA, issued certificates, the CRL and the revocation record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from hub.fleet.errors import FleetError
from hub.fleet.passwords import read_password_file, verify_password
from hub.fleet.pki import issue_certificate, issued_by, load_ca, make_store_ca
from hub.fleet.revocation import RevocationRegistry, build_crl, revoke_device
from hub.fleet.store_security import broker_config_lines, create_store_security

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def test_ca_issues_client_and_server_certificates() -> None:
    ca = make_store_ca("demo", now=NOW)
    assert ca.store == "demo"
    assert ca.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    device = issue_certificate(ca, "kiosk-1", now=NOW)
    assert device.common_name == "kiosk-1"
    assert issued_by(device.cert, ca)
    eku = device.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    broker = issue_certificate(
        ca,
        "hub.demo.local",
        role="broker",
        hostnames=["hub.demo.local"],
        ip_addresses=["10.0.0.2"],
        now=NOW,
    )
    san = broker.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["hub.demo.local"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.2"]
    assert broker.cert.not_valid_before_utc < NOW < broker.cert.not_valid_after_utc
    assert not issued_by(device.cert, make_store_ca("demo", now=NOW))


def test_bad_requests_are_refused() -> None:
    ca = make_store_ca("demo", now=NOW)
    with pytest.raises(FleetError, match="hostname or IP"):
        issue_certificate(ca, "broker", role="broker", now=NOW)
    with pytest.raises(FleetError, match="not an IP address"):
        issue_certificate(ca, "broker", role="broker", ip_addresses=["300.1.1.1"], now=NOW)
    with pytest.raises(FleetError, match="common name"):
        issue_certificate(ca, "x" * 65, now=NOW)
    with pytest.raises(FleetError, match="timezone"):
        make_store_ca("demo", now=dt.datetime(2026, 1, 1))


def test_crl_lists_revoked_serials_and_is_signed_by_the_ca() -> None:
    ca = make_store_ca("demo", now=NOW)
    lost = issue_certificate(ca, "gw-1", now=NOW)
    kept = issue_certificate(ca, "gw-2", now=NOW)
    crl = build_crl(ca, {lost.serial: NOW}, now=NOW)
    assert crl.is_signature_valid(ca.key.public_key())
    assert crl.get_revoked_certificate_by_serial_number(lost.serial) is not None
    assert crl.get_revoked_certificate_by_serial_number(kept.serial) is None
    assert crl.next_update_utc is not None
    assert crl.next_update_utc > NOW + dt.timedelta(days=30)


def test_create_store_security_then_revoke_a_device(tmp_path: Path) -> None:
    sec = create_store_security(tmp_path / "fleet", "demo", ["kiosk-1", "gw-1"], now=NOW)
    files = sec.files
    for path in (
        files.password_file,
        files.acl_file,
        files.ca_key,
        files.broker_key,
        files.client_key("gw-1"),
    ):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert files.crl.stat().st_mode & 0o777 == 0o644
    assert set(sec.passwords) == {"hub", "hub.consent", "kiosk-1", "gw-1"}
    hashes = read_password_file(files.password_file)
    assert verify_password(sec.passwords["gw-1"], hashes["gw-1"])
    # Re-running keeps the CA (devices' certificates stay valid) and rotates passwords.
    again = create_store_security(tmp_path / "fleet", "demo", ["kiosk-1", "gw-1"], now=NOW)
    assert again.ca.cert == sec.ca.cert
    assert again.passwords["gw-1"] != sec.passwords["gw-1"]
    assert load_ca(files.ca_cert, files.ca_key).cert == sec.ca.cert
    with pytest.raises(FleetError, match="CA of store 'demo'"):
        create_store_security(tmp_path / "fleet", "other", [], now=NOW)

    serial = again.certificates["gw-1"].serial
    revoke_device(
        "gw-1",
        serials=[serial],
        ca=again.ca,
        registry_path=files.registry,
        password_file=files.password_file,
        crl_path=files.crl,
        now=NOW,
    )
    assert "gw-1" not in read_password_file(files.password_file)
    crl = x509.load_pem_x509_crl(files.crl.read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    registry = RevocationRegistry.load(files.registry)
    assert registry.is_revoked("gw-1")
    assert not registry.is_revoked("kiosk-1")
    assert registry.serials() == {serial: NOW}


def test_broker_lines_name_the_files(tmp_path: Path) -> None:
    sec = create_store_security(tmp_path, "demo", ["kiosk-1"], now=NOW)
    lines = broker_config_lines(sec.files, tls_port=8883, host="0.0.0.0")  # noqa: S104
    assert lines[:2] == (f"password_file {tmp_path / 'passwd'}", f"acl_file {tmp_path / 'acl'}")
    assert "listener 8883 0.0.0.0" in lines
    assert "require_certificate true" in lines
    assert f"crlfile {tmp_path / 'crl.pem'}" in lines
    only_tls = broker_config_lines(sec.files, tls_port=8883, include_auth=False)
    assert not any(line.startswith(("password_file", "acl_file")) for line in only_tls)
