"""``instore-edge ble``: parse advertisements; record, replay and calibrate BLE traces."""

from __future__ import annotations

import argparse
import re
import sys

import orjson

from edge.errors import EdgeInputError
from edge.presence.frames import frame_to_json, parse_advertising, split_ad_structures
from protocol.ble_token import BleTokenError, parse_prefix

_HEX_NOISE = re.compile(r"(0x)|[\s:_-]", re.IGNORECASE)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ble = sub.add_parser("ble", help="BLE presence: parse, record, replay, calibrate")
    cmds = ble.add_subparsers(dest="ble_command", required=True, metavar="COMMAND")

    parse = cmds.add_parser("parse", help="parse raw advertising data (hex)")
    parse.add_argument("hex", help="advertising data as hex (AD structures)")
    parse.add_argument("--prefix", help="chain prefix (16 hex digits): only its token frames")
    parse.add_argument("--json", action="store_true", help="print one JSON object")
    parse.set_defaults(handler=_parse)


def _parse(args: argparse.Namespace) -> int:
    text = _HEX_NOISE.sub("", args.hex)
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise EdgeInputError(f"{args.hex!r} is not hex") from exc
    if not raw:
        raise EdgeInputError("no advertising data given")
    try:
        prefix = parse_prefix(args.prefix) if args.prefix else None
    except BleTokenError as exc:
        raise EdgeInputError(str(exc)) from exc
    structures = split_ad_structures(raw)
    frames = parse_advertising(raw, prefix)
    body = {
        "ad_structures": [
            {"type": f"0x{ad.ad_type:02x}", "data": ad.data.hex()} for ad in structures
        ],
        "frames": [frame_to_json(f) for f in frames],
    }
    if args.json:
        sys.stdout.write(orjson.dumps(body).decode() + "\n")
    else:
        for ad in body["ad_structures"]:
            print(f"AD {ad['type']}: {ad['data']}")
        for frame in body["frames"]:
            print(" ".join(f"{k}={v}" for k, v in frame.items()))
    return 0
