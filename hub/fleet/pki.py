"""The store's certificate authority and the certificates it issues, made with ``cryptography``.

One CA per store signs the broker's server certificate and a client certificate for the
hub and for each device (common name = MQTT username = device id). Keys are ECDSA P-256:
small, fast on ESP32-class parts, and accepted by every TLS stack in the fleet.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hub.fleet.errors import FleetError
from hub.fleet.secure_files import PRIVATE, PUBLIC, write_atomically

Role = Literal["device", "hub", "broker"]

CA_DAYS: Final = 3650  # ten years: replacing a store CA means re-provisioning every device
# Two years: long enough to outlive a firmware cycle, short enough that a lost device's
# certificate dies on its own even if a revocation were missed.
LEAF_DAYS: Final = 730
_BACKDATE: Final = dt.timedelta(minutes=5)  # tolerate a device clock a little behind


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    """A store CA: its certificate and private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def store(self) -> str:
        return _attr(self.cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME)


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate issued by a store CA, with the private key it certifies."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def common_name(self) -> str:
        return _attr(self.cert.subject, NameOID.COMMON_NAME)

    @property
    def serial(self) -> int:
        return self.cert.serial_number


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _now(now: dt.datetime | None) -> dt.datetime:
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        raise FleetError("certificate times must be timezone-aware")
    return moment


def make_store_ca(
    store: str, *, now: dt.datetime | None = None, days: int = CA_DAYS
) -> CertificateAuthority:
    """A new self-signed CA for ``store`` (it may sign leaves, not other CAs)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "instore"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, store),
            x509.NameAttribute(NameOID.COMMON_NAME, f"instore store CA {store}"),
        ]
    )
    start = _now(now) - _BACKDATE
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(cert=cert, key=key)


def issue_certificate(
    ca: CertificateAuthority,
    common_name: str,
    *,
    role: Role = "device",
    hostnames: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
    now: dt.datetime | None = None,
    days: int = LEAF_DAYS,
) -> IssuedCertificate:
    """A new key and a certificate for it signed by ``ca``.

    ``device`` and ``hub`` certificates are for TLS clients (the common name is the MQTT
    username); a ``broker`` certificate is for the TLS server and names ``hostnames`` and
    ``ip_addresses`` as subject alternative names, which clients check."""
    if not common_name or len(common_name) > 64:  # X.520: a CN is at most 64 characters
        raise FleetError("a certificate's common name must be 1 to 64 characters")
    key = ec.generate_private_key(ec.SECP256R1())
    start = _now(now) - _BACKDATE
    usage = ExtendedKeyUsageOID.SERVER_AUTH if role == "broker" else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "instore"),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ca.store),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(min(start + dt.timedelta(days=days), ca.cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    names = _alt_names(hostnames, ip_addresses)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    elif role == "broker":
        raise FleetError("a broker certificate needs at least one hostname or IP address")
    return IssuedCertificate(cert=builder.sign(ca.key, hashes.SHA256()), key=key)


def _alt_names(hostnames: Sequence[str], ip_addresses: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    for ip in ip_addresses:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError as exc:
            raise FleetError(f"{ip!r} is not an IP address") from exc
    return names


def issued_by(cert: x509.Certificate, ca: CertificateAuthority) -> bool:
    """Whether ``cert`` carries a valid signature of ``ca`` (dates and revocation aside)."""
    try:
        cert.verify_directly_issued_by(ca.cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


# --- files -----------------------------------------------------------------------------


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM: brokers and devices read it unattended."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_pair(
    cert: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
    cert_path: Path,
    key_path: Path,
    *,
    key_mode: int = PRIVATE,
) -> None:
    """Write a certificate (world-readable) and its key (owner-only by default) as PEM."""
    write_atomically(Path(cert_path), cert_pem(cert), PUBLIC)
    write_atomically(Path(key_path), key_pem(key), key_mode)


def load_ca(cert_path: Path, key_path: Path) -> CertificateAuthority:
    """Read a store CA written by :func:`write_pair`."""
    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise FleetError(f"cannot load the store CA from {cert_path}: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise FleetError(f"{key_path} is not an EC private key")
    return CertificateAuthority(cert=cert, key=key)
