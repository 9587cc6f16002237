"""Revoking a lost or stolen device: its broker password, its certificates, its record.

A revocation is kept in a small JSON registry (who, which certificate serials, when,
why) from which the CRL is rebuilt, so the CRL can always be re-issued from the record.
Applying it takes three steps: remove the device's line from the password file, write the
new CRL, send the broker SIGHUP. Mosquitto then re-checks every connected client against
the new password file and drops the device at once; new TLS handshakes meet the new CRL.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from hub.fleet.errors import FleetError
from hub.fleet.passwords import remove_user
from hub.fleet.pki import CertificateAuthority
from hub.fleet.secure_files import PRIVATE, PUBLIC, write_atomically

# 90 days: OpenSSL refuses every client once a CRL's nextUpdate has passed, so it must
# not lapse between hub restarts; the hub re-issues it at start and on every revocation.
CRL_DAYS: Final = 90


class Revocation(BaseModel):
    """One revoked device."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str
    serials: tuple[int, ...] = ()
    revoked_at: AwareDatetime
    reason: str = Field(default="lost or stolen", max_length=200)


class RevocationRegistry(BaseModel):
    """Every revocation of the store, oldest first."""

    model_config = ConfigDict(extra="forbid")

    revocations: list[Revocation] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> RevocationRegistry:
        """The registry at ``path``, or an empty one if the file does not exist yet."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as exc:
            raise FleetError(f"cannot read revocation registry {path}: {exc}") from exc

    def save(self, path: Path) -> None:
        write_atomically(Path(path), self.model_dump_json(indent=2).encode() + b"\n", PRIVATE)

    def is_revoked(self, device: str) -> bool:
        return any(r.device == device for r in self.revocations)

    def serials(self) -> dict[int, dt.datetime]:
        """Every revoked certificate serial and when it was revoked."""
        return {s: r.revoked_at for r in self.revocations for s in r.serials}

    def revoke(
        self, device: str, serials: Iterable[int], *, now: dt.datetime, reason: str
    ) -> Revocation:
        """Record that ``device`` and its certificate ``serials`` are revoked."""
        entry = Revocation(device=device, serials=tuple(serials), revoked_at=now, reason=reason)
        self.revocations.append(entry)
        return entry


def build_crl(
    ca: CertificateAuthority,
    revoked: dict[int, dt.datetime],
    *,
    now: dt.datetime,
    days: int = CRL_DAYS,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` listing ``serial -> revocation time``."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=days))
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
    )
    for serial, when in sorted(revoked.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(ca.key, hashes.SHA256())


def write_crl(path: Path, crl: x509.CertificateRevocationList) -> None:
    """Write the CRL as PEM (Mosquitto's ``crlfile``)."""
    write_atomically(Path(path), crl.public_bytes(serialization.Encoding.PEM), PUBLIC)


def revoke_device(
    device: str,
    *,
    serials: Iterable[int],
    ca: CertificateAuthority,
    registry_path: Path,
    password_file: Path,
    crl_path: Path,
    now: dt.datetime,
    reason: str = "lost or stolen",
) -> Revocation:
    """Revoke ``device``: record it, drop its broker password, list its serials in the CRL.

    Call :func:`reload_broker` afterwards; until then the broker has not noticed."""
    registry = RevocationRegistry.load(registry_path)
    entry = registry.revoke(device, serials, now=now, reason=reason)
    remove_user(password_file, device)
    write_crl(crl_path, build_crl(ca, registry.serials(), now=now))
    registry.save(registry_path)
    return entry


def refresh_crl(
    ca: CertificateAuthority, registry_path: Path, crl_path: Path, *, now: dt.datetime
) -> None:
    """Re-issue the CRL from the registry (at hub start, so it never lapses)."""
    registry = RevocationRegistry.load(registry_path)
    write_crl(crl_path, build_crl(ca, registry.serials(), now=now))


def reload_broker(pid: int) -> None:
    """Ask Mosquitto (process ``pid``) to re-read its password, ACL and CRL files."""
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError as exc:
        raise FleetError(f"no broker process {pid} to reload") from exc
    except PermissionError as exc:
        raise FleetError(f"not allowed to signal broker process {pid}") from exc
