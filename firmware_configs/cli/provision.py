"""``instore-config provision beacons|gateway``: provisioning files from a store's configs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from firmware_configs.errors import ConfigError
from protocol.errors import WireFormatError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    provision = sub.add_parser("provision", help="make beacon and gateway provisioning files")
    psub = provision.add_subparsers(dest="provision_command", required=True, metavar="WHAT")
    beacons = psub.add_parser("beacons", help="every beacon's settings and advertising data")
    beacons.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="store config files")
    beacons.add_argument("--format", choices=("csv", "json"), default="csv")
    beacons.add_argument("--out", type=Path, help="write here instead of stdout")
    beacons.set_defaults(handler=_beacons)
    gateway = psub.add_parser("gateway", help="an ESP32 gateway's NVS partition CSV (and image)")
    gateway.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="store config files")
    gateway.add_argument("--id", required=True, help="the gateway's device id")
    gateway.add_argument("--out", type=Path, required=True, help="folder for ID.nvs.csv")
    gateway.add_argument("--identity", type=Path, help="identity file from instore-hub device add")
    gateway.add_argument(
        "--wifi-password-env", metavar="VAR", help="environment variable holding the Wi-Fi password"
    )
    gateway.add_argument("--ca-cert", type=Path, help="store CA certificate (PEM): use TLS")
    gateway.add_argument("--cert", type=Path, help="the gateway's client certificate (PEM)")
    gateway.add_argument("--key", type=Path, help="the gateway's client key (PEM)")
    gateway.add_argument("--bin", action="store_true", help="also build ID.nvs.bin to flash")
    gateway.set_defaults(handler=_gateway)


def _write(path: Path | None, data: bytes) -> None:
    if path is None:
        sys.stdout.buffer.write(data)
        return
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _beacons(args: argparse.Namespace) -> int:
    from firmware_configs.provisioning import beacons_csv, beacons_json  # noqa: PLC0415
    from firmware_configs.store_bundle import load_store  # noqa: PLC0415

    bundle = load_store(args.paths)
    data = beacons_csv(bundle).encode() if args.format == "csv" else beacons_json(bundle)
    _write(args.out, data)
    return 0


def _gateway(args: argparse.Namespace) -> int:
    from firmware_configs.provisioning import (  # noqa: PLC0415
        GatewaySecrets,
        build_nvs_partition,
        gateway_nvs_entries,
        nvs_csv,
        write_nvs_csv,
    )
    from firmware_configs.store_bundle import load_store  # noqa: PLC0415
    from protocol.enrolment import DeviceIdentity  # noqa: PLC0415

    bundle = load_store(args.paths)
    identity = None
    if args.identity is not None:
        try:
            identity = DeviceIdentity.read(args.identity)
        except WireFormatError as exc:
            raise ConfigError(str(exc)) from exc
    wifi = None
    if args.wifi_password_env:
        wifi = os.environ.get(args.wifi_password_env)
        if wifi is None:
            raise ConfigError(f"environment variable {args.wifi_password_env} is not set")
    secrets = GatewaySecrets(
        identity=identity,
        wifi_password=wifi,
        ca_cert=args.ca_cert,
        client_cert=args.cert,
        client_key=args.key,
    )
    csv_path = write_nvs_csv(
        args.out, args.id, nvs_csv(gateway_nvs_entries(bundle, args.id, secrets))
    )
    print(csv_path)  # the command's result: where the file is
    if args.bin:
        bin_path = args.out / f"{args.id}.nvs.bin"
        build_nvs_partition(csv_path, bin_path)
        print(bin_path)
    return 0
