"""``instore-hub fleet init|acl|rotate|revoke``: the store's broker security files."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import orjson
from cryptography import x509

from console import say
from firmware_configs.errors import ConfigError
from firmware_configs.store_bundle import load_store
from hub.fleet.acl import write_acl_file
from hub.fleet.errors import FleetError
from hub.fleet.passwords import new_password, read_password_file, set_password
from hub.fleet.pki import issue_certificate, load_ca, write_pair
from hub.fleet.revocation import (
    RevocationRegistry,
    build_crl,
    reload_broker,
    revoke_device,
    write_crl,
)
from hub.fleet.secure_files import PRIVATE, write_atomically
from hub.fleet.store_security import FleetFiles, broker_config_lines, create_store_security
from protocol.topics import HUB_ID

CREDENTIALS: str = "credentials.json"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``fleet`` and its actions to ``instore-hub``."""
    fleet = sub.add_parser("fleet", help="broker passwords, ACL, certificates, revocation")
    fsub = fleet.add_subparsers(dest="fleet_command", required=True, metavar="ACTION")

    init = fsub.add_parser("init", help="make the CA, certificates, passwords, ACL and CRL")
    init.add_argument("configs", nargs="+", type=Path, metavar="CONFIG")
    init.add_argument("--dir", type=Path, required=True, help="folder for the security files")
    init.add_argument("--hostname", action="append", default=[], help="broker DNS name")
    init.add_argument("--ip", action="append", default=[], help="broker IP address")
    init.add_argument("--tls-port", type=int, default=8883)
    init.set_defaults(handler=_init)

    acl = fsub.add_parser("acl", help="regenerate the ACL from the configs")
    acl.add_argument("configs", nargs="+", type=Path, metavar="CONFIG")
    acl.add_argument("--dir", type=Path, required=True)
    acl.add_argument("--broker-pid", type=int, help="send this Mosquitto SIGHUP afterwards")
    acl.set_defaults(handler=_acl)

    rotate = fsub.add_parser("rotate", help="new password and certificate for one user")
    rotate.add_argument("user", help="device id, or 'hub'")
    rotate.add_argument("--dir", type=Path, required=True)
    rotate.add_argument("--broker-pid", type=int)
    rotate.set_defaults(handler=_rotate)

    revoke = fsub.add_parser("revoke", help="refuse a lost or stolen device at the broker")
    revoke.add_argument("device")
    revoke.add_argument("--dir", type=Path, required=True)
    revoke.add_argument("--reason", default="lost or stolen")
    revoke.add_argument("--broker-pid", type=int)
    revoke.set_defaults(handler=_revoke)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _load(configs: list[Path]) -> tuple[str, list[str]]:
    try:
        bundle = load_store(configs)
    except ConfigError as exc:
        raise FleetError(str(exc)) from exc
    return bundle.store.id, [d.id for d in bundle.mqtt_devices()]


def _save_credentials(files: FleetFiles, passwords: dict[str, str]) -> Path:
    path = files.root / CREDENTIALS
    old: dict[str, str] = orjson.loads(path.read_bytes()) if path.exists() else {}
    old.update(passwords)
    write_atomically(
        path, orjson.dumps(old, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS), PRIVATE
    )
    return path


def _reload(pid: int | None) -> None:
    if pid is not None:
        reload_broker(pid)
        say(f"sent SIGHUP to broker {pid}")


def _init(args: argparse.Namespace) -> int:
    store, devices = _load(args.configs)
    security = create_store_security(
        args.dir,
        store,
        devices,
        broker_hostnames=args.hostname or ["localhost"],
        broker_ips=args.ip or ["127.0.0.1"],
    )
    creds = _save_credentials(security.files, security.passwords)
    say(f"store {store}: CA, broker, hub and {len(devices)} device certificates in {args.dir}")
    say(f"passwords (hand each to its device, then delete): {creds}")
    say("broker config lines:")
    for line in broker_config_lines(security.files, tls_port=args.tls_port):
        say(f"  {line}")
    return 0


def _acl(args: argparse.Namespace) -> int:
    store, devices = _load(args.configs)
    files = FleetFiles(args.dir)
    revoked = RevocationRegistry.load(files.registry)
    kept = [d for d in devices if not revoked.is_revoked(d)]
    write_acl_file(files.acl_file, store, kept)
    say(f"ACL for {len(kept)} devices written to {files.acl_file}")
    _reload(args.broker_pid)
    return 0


def _rotate(args: argparse.Namespace) -> int:
    """Key rotation: a new password and key pair; the old certificate goes on the CRL."""
    files = FleetFiles(args.dir)
    ca = load_ca(files.ca_cert, files.ca_key)
    registry = RevocationRegistry.load(files.registry)
    if registry.is_revoked(args.user):
        raise FleetError(f"{args.user} is revoked; enrol it again under a new id")
    if args.user not in read_password_file(files.password_file):
        raise FleetError(f"{args.user} has no broker password in {files.password_file}")
    old = _serial(files.client_cert(args.user))
    now = _now()
    issued = issue_certificate(
        ca, args.user, role="hub" if args.user == HUB_ID else "device", now=now
    )
    write_pair(issued.cert, issued.key, files.client_cert(args.user), files.client_key(args.user))
    password = new_password()
    set_password(files.password_file, args.user, password)
    if old is not None:
        registry.revoke(f"{args.user}@rotated", [old], now=now, reason="key rotation")
        registry.save(files.registry)
    write_crl(files.crl, build_crl(ca, registry.serials(), now=now))
    creds = _save_credentials(files, {args.user: password})
    say(f"{args.user}: new certificate {files.client_cert(args.user)}, new password in {creds}")
    _reload(args.broker_pid)
    return 0


def _serial(path: Path) -> int | None:
    if not path.exists():
        return None
    try:
        return x509.load_pem_x509_certificate(path.read_bytes()).serial_number
    except ValueError as exc:
        raise FleetError(f"{path} is not a PEM certificate") from exc


def revoke_at_broker(files: FleetFiles, device: str, reason: str) -> None:
    """Remove ``device``'s broker password and put its certificate on the CRL (the broker
    notices on its next SIGHUP)."""
    if device == HUB_ID:
        raise FleetError("the hub cannot be revoked; make a new store CA instead")
    ca = load_ca(files.ca_cert, files.ca_key)
    serial = _serial(files.client_cert(device))
    revoke_device(
        device,
        serials=[serial] if serial is not None else [],
        ca=ca,
        registry_path=files.registry,
        password_file=files.password_file,
        crl_path=files.crl,
        now=_now(),
        reason=reason,
    )


def _revoke(args: argparse.Namespace) -> int:
    revoke_at_broker(FleetFiles(args.dir), args.device, args.reason)
    say(f"revoked {args.device}: password removed, certificate on the CRL")
    _reload(args.broker_pid)
    if args.broker_pid is None:
        say("send the broker SIGHUP now (or pass --broker-pid) for it to take effect")
    return 0
