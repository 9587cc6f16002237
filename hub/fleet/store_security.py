"""All of a store's broker security files in one folder, and the broker config lines for them.

``create_store_security`` makes (or reuses) the store CA, issues the broker, hub and device
certificates, gives every MQTT user a fresh random password, and writes the password
file, the ACL and the CRL. ``broker_config_lines`` says what Mosquitto needs to use them.
Afterwards ``regenerate_acl``, ``rotate_user`` and ``revoke_at_broker`` keep the files
current (``instore-hub fleet``), and ``save_credentials`` collects the passwords handed out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson
from cryptography import x509

from firmware_configs.errors import ConfigError
from firmware_configs.store_bundle import load_store
from hub import registry
from hub.fleet.acl import write_acl_file
from hub.fleet.broker_config import OWN_CLIENT_ID
from hub.fleet.errors import FleetError
from hub.fleet.passwords import (
    new_password,
    read_password_file,
    set_password,
    write_password_file,
)
from hub.fleet.pki import (
    CertificateAuthority,
    IssuedCertificate,
    issue_certificate,
    load_ca,
    make_store_ca,
    write_pair,
)
from hub.fleet.revocation import (
    RevocationRegistry,
    build_crl,
    refresh_crl,
    reload_broker,
    revoke_device,
    write_crl,
)
from hub.fleet.secure_files import PRIVATE, write_atomically
from hub.settings import HubHome
from hub.storage import SqliteEventStore
from protocol.enrolment import BrokerAddress
from protocol.topics import HUB_CONSENT_ID, HUB_ID

HUB_USERS: Final = (HUB_ID, HUB_CONSENT_ID)  # the hub's two broker logins


@dataclass(frozen=True, slots=True)
class FleetFiles:
    """Where a store's security files live, under ``root``."""

    root: Path

    @property
    def password_file(self) -> Path:
        return self.root / "passwd"

    @property
    def acl_file(self) -> Path:
        return self.root / "acl"

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    @property
    def broker_cert(self) -> Path:
        return self.root / "broker.crt"

    @property
    def broker_key(self) -> Path:
        return self.root / "broker.key"

    @property
    def crl(self) -> Path:
        return self.root / "crl.pem"

    @property
    def registry(self) -> Path:
        return self.root / "revoked.json"

    @property
    def credentials(self) -> Path:
        """The passwords handed out, to give to the devices and then delete."""
        return self.root / "credentials.json"

    def client_cert(self, user: str) -> Path:
        return self.root / "clients" / f"{user}.crt"

    def client_key(self, user: str) -> Path:
        return self.root / "clients" / f"{user}.key"


@dataclass(frozen=True, slots=True)
class StoreSecurity:
    """What :func:`create_store_security` made: the CA, every client's certificate and
    password. The passwords exist nowhere else in clear: hand them to the devices."""

    files: FleetFiles
    ca: CertificateAuthority
    passwords: dict[str, str]
    certificates: dict[str, IssuedCertificate]


def create_store_security(
    root: Path,
    store: str,
    devices: Iterable[str],
    *,
    broker_hostnames: Sequence[str] = ("localhost",),
    broker_ips: Sequence[str] = ("127.0.0.1",),
    now: dt.datetime | None = None,
    key_mode: int = 0o600,
    readers: Sequence[str] = (),
) -> StoreSecurity:
    """Make the security files of ``store`` for the hub and ``devices`` under ``root``;
    ``readers`` (an operator, monitoring) may read every topic of the store, publish none.

    An existing CA in ``root`` is reused, so certificates already on devices stay valid;
    everything else is issued anew (a fresh password for every user: re-run to rotate).
    ``key_mode`` is the mode of private key and password files: use 0o640 and a shared
    group when the broker runs as another user."""
    moment = now or dt.datetime.now(dt.UTC)
    files = FleetFiles(Path(root))
    (files.root / "clients").mkdir(parents=True, exist_ok=True)
    if files.ca_cert.exists() and files.ca_key.exists():
        ca = load_ca(files.ca_cert, files.ca_key)
        if ca.store != store:
            raise FleetError(f"{files.ca_cert} is the CA of store {ca.store!r}, not {store!r}")
    else:
        ca = make_store_ca(store, now=moment)
        write_pair(ca.cert, ca.key, files.ca_cert, files.ca_key)
    broker = issue_certificate(
        ca,
        broker_hostnames[0] if broker_hostnames else broker_ips[0],
        role="broker",
        hostnames=broker_hostnames,
        ip_addresses=broker_ips,
        now=moment,
    )
    write_pair(broker.cert, broker.key, files.broker_cert, files.broker_key, key_mode=key_mode)
    users = [HUB_ID, HUB_CONSENT_ID, *sorted(set(devices)), *sorted(set(readers))]
    certificates: dict[str, IssuedCertificate] = {}
    for user in users:
        issued = issue_certificate(
            ca, user, role="hub" if user in HUB_USERS else "device", now=moment
        )
        write_pair(issued.cert, issued.key, files.client_cert(user), files.client_key(user))
        certificates[user] = issued
    passwords = {user: new_password() for user in users}
    write_password_file(files.password_file, passwords, mode=key_mode)
    write_acl_file(files.acl_file, store, sorted(set(devices)), readers=readers, mode=key_mode)
    refresh_crl(ca, files.registry, files.crl, now=moment)
    return StoreSecurity(files=files, ca=ca, passwords=passwords, certificates=certificates)


def broker_config_lines(
    files: FleetFiles,
    *,
    tls_port: int,
    host: str = "0.0.0.0",  # noqa: S104  # devices reach the broker over the store LAN
    include_auth: bool = True,
) -> tuple[str, ...]:
    """Mosquitto lines for password, ACL and a TLS listener that wants a client certificate
    from the store CA (and still the user's password), checked against the CRL.

    Put them after the plain listener's lines; ``per_listener_settings false`` and
    ``allow_anonymous false`` must be set in the same config. With ``include_auth=False``
    only the TLS listener is given (when the password and ACL lines come from elsewhere)."""
    auth = (f"password_file {files.password_file}", f"acl_file {files.acl_file}")
    return (
        *(auth if include_auth else ()),
        *tls_listener_lines(files, tls_port=tls_port, host=host),
    )


def tls_listener_lines(files: FleetFiles, *, tls_port: int, host: str) -> tuple[str, ...]:
    """The TLS listener block alone."""
    return (
        f"listener {tls_port} {host}",
        "protocol mqtt",
        f"cafile {files.ca_cert}",
        f"certfile {files.broker_cert}",
        f"keyfile {files.broker_key}",
        f"crlfile {files.crl}",
        "require_certificate true",
        "use_identity_as_username false",
        OWN_CLIENT_ID,
    )


def store_devices(configs: list[Path]) -> tuple[str, list[str]]:
    """The store id and the ids of its MQTT devices, from the store's config files."""
    try:
        bundle = load_store(configs)
    except ConfigError as exc:
        raise FleetError(str(exc)) from exc
    return bundle.store.id, [d.id for d in bundle.mqtt_devices()]


def save_credentials(files: FleetFiles, passwords: dict[str, str]) -> Path:
    """Add ``passwords`` to the credentials file (owner-readable only); returns its path."""
    path = files.credentials
    old: dict[str, str] = orjson.loads(path.read_bytes()) if path.exists() else {}
    old.update(passwords)
    write_atomically(
        path, orjson.dumps(old, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS), PRIVATE
    )
    return path


def hub_logins(root: Path, at: BrokerAddress, *, tls: bool) -> tuple[BrokerAddress, BrokerAddress]:
    """The hub's two broker logins (``hub``, ``hub.consent``) at ``at``'s host and port,
    with their passwords from the credentials file and, with ``tls``, their certificates
    and the store CA."""
    files = FleetFiles(Path(root))
    try:
        passwords: dict[str, str] = orjson.loads(files.credentials.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise FleetError(f"{files.credentials}: cannot read the hub's passwords ({exc})") from exc
    logins = []
    for user in HUB_USERS:
        if user not in passwords:
            raise FleetError(f"{files.credentials} has no password for {user}")
        tls_files = {
            "tls_ca": str(files.ca_cert.resolve()),
            "tls_cert": str(files.client_cert(user).resolve()),
            "tls_key": str(files.client_key(user).resolve()),
        }
        logins.append(
            at.model_copy(
                update={"username": user, "password": passwords[user], **(tls_files if tls else {})}
            )
        )
    return logins[0], logins[1]


def regenerate_acl(files: FleetFiles, store: str, devices: Iterable[str]) -> list[str]:
    """Write the ACL for ``devices`` that are not revoked; returns the devices kept."""
    revoked = RevocationRegistry.load(files.registry)
    kept = [d for d in devices if not revoked.is_revoked(d)]
    write_acl_file(files.acl_file, store, kept)
    return kept


def rotate_user(files: FleetFiles, user: str) -> str:
    """Key rotation: a new certificate and key pair and a new password for ``user`` (a
    device id or the hub); the old certificate goes on the CRL. Returns the password."""
    ca = load_ca(files.ca_cert, files.ca_key)
    registry = RevocationRegistry.load(files.registry)
    if registry.is_revoked(user):
        raise FleetError(f"{user} is revoked; enrol it again under a new id")
    if user not in read_password_file(files.password_file):
        raise FleetError(f"{user} has no broker password in {files.password_file}")
    old = certificate_serial(files.client_cert(user))
    now = dt.datetime.now(dt.UTC)
    issued = issue_certificate(ca, user, role="hub" if user in HUB_USERS else "device", now=now)
    write_pair(issued.cert, issued.key, files.client_cert(user), files.client_key(user))
    password = new_password()
    set_password(files.password_file, user, password)
    if old is not None:
        registry.revoke(f"{user}@rotated", [old], now=now, reason="key rotation")
        registry.save(files.registry)
    write_crl(files.crl, build_crl(ca, registry.serials(), now=now))
    return password


def certificate_serial(path: Path) -> int | None:
    """The serial number of the PEM certificate at ``path``, if there is one."""
    if not path.exists():
        return None
    try:
        return x509.load_pem_x509_certificate(path.read_bytes()).serial_number
    except ValueError as exc:
        raise FleetError(f"{path} is not a PEM certificate") from exc


def revoke_at_broker(files: FleetFiles, device: str, reason: str) -> None:
    """Remove ``device``'s broker password and put its certificate on the CRL (the broker
    notices on its next SIGHUP)."""
    if device in HUB_USERS:
        raise FleetError("the hub cannot be revoked; make a new store CA instead")
    ca = load_ca(files.ca_cert, files.ca_key)
    serial = certificate_serial(files.client_cert(device))
    revoke_device(
        device,
        serials=[serial] if serial is not None else [],
        ca=ca,
        registry_path=files.registry,
        password_file=files.password_file,
        crl_path=files.crl,
        now=dt.datetime.now(dt.UTC),
        reason=reason,
    )


def revoke_everywhere(
    home: HubHome,
    device: str,
    reason: str,
    *,
    fleet_dir: Path | None = None,
    broker_pid: int | None = None,
) -> list[str]:
    """Refuse ``device`` from now on: its signing key at the hub (within the key cache's
    10 s) and, with the store's fleet directory (given, or in hub.yaml), its broker
    password and certificate, the broker reloading at once if its pid is known. Returns
    what was done, a sentence each; raises :class:`FleetError` if nothing could be."""
    settings = home.settings()
    store = SqliteEventStore(home.db_path)
    try:
        done = registry.revoke(store.db, device)
    finally:
        store.close()
    if not done:
        raise FleetError(f"{device} is not enrolled or already revoked")
    said = [f"revoked {device}: its signing key is refused by the hub"]
    fleet = fleet_dir or settings.fleet_dir
    if fleet is not None:
        revoke_at_broker(FleetFiles(fleet), device, reason)
        said.append(f"{device}: broker password removed, certificate on the CRL")
        pid = broker_pid if broker_pid is not None else _pid(settings.broker_pid_file)
        if pid is not None:
            reload_broker(pid)
            said.append("broker reloaded: the device is disconnected and refused")
    return said


def _pid(path: Path | None) -> int | None:
    if path is None or not path.exists():
        return None
    try:
        return int(path.read_text().strip())
    except ValueError:
        return None
