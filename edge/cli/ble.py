"""``instore-edge ble``: parse advertisements; record, replay and calibrate BLE traces."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from edge.errors import EdgeInputError
from protocol.errors import ProtocolError

if TYPE_CHECKING:
    from edge.presence.config import PresenceSettings

_HEX_NOISE = re.compile(r"(0x)|[\s:_-]", re.IGNORECASE)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ble = sub.add_parser("ble", help="BLE presence: parse, record, replay")
    cmds = ble.add_subparsers(dest="ble_command", required=True, metavar="COMMAND")

    parse = cmds.add_parser("parse", help="parse raw advertising data (hex)")
    parse.add_argument("hex", help="advertising data as hex (AD structures)")
    parse.add_argument("--prefix", help="chain prefix (16 hex digits): only its token frames")
    parse.add_argument("--json", action="store_true", help="print one JSON object")
    parse.set_defaults(handler=_parse)

    replay = cmds.add_parser("replay", help="run the zone engine over a trace")
    replay.add_argument("trace", type=Path)
    replay.add_argument("--config", type=Path, help="presence settings (YAML) to replay with")
    replay.add_argument("--truth", type=Path, help="ground truth: print the score to stderr")
    replay.add_argument(
        "--json", action="store_true", help='one line per change: {"t","id","zone"}'
    )
    replay.set_defaults(handler=_replay)

    record = cmds.add_parser("record", help="record kept receptions (roster tokens, beacons)")
    record.add_argument("--out", type=Path, required=True, help="trace file to write")
    record.add_argument(
        "--config", type=Path, required=True, help="presence settings (YAML) of this store"
    )
    record.add_argument("--gateway", default="gw-1", help="this gateway's name in the settings")
    record.add_argument(
        "--roster", type=Path, required=True, help="roster JSON (as the hub publishes it)"
    )
    record.add_argument("--adapter", help="Bluetooth adapter, e.g. hci0")
    record.add_argument(
        "--seconds", type=float, default=0.0, help="stop after this long (0: Ctrl-C)"
    )
    record.set_defaults(handler=_record)


def _parse(args: argparse.Namespace) -> int:
    from edge.presence.frames import frame_to_json, parse_advertising, split_ad_structures  # noqa: PLC0415
    from protocol.ble_token import BleTokenError, parse_prefix  # noqa: PLC0415

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


def _settings(path: Path | None) -> PresenceSettings | None:
    from edge.presence.config import load_settings  # noqa: PLC0415

    return load_settings(path) if path is not None else None


def _replay(args: argparse.Namespace) -> int:
    from edge.presence.replay import ZoneChange, replay  # noqa: PLC0415
    from edge.presence.scoring import score, to_steps  # noqa: PLC0415
    from edge.presence.trace import read_truth  # noqa: PLC0415

    settings = _settings(args.config)
    out = sys.stdout
    changes: list[ZoneChange] = []

    def emit(change: ZoneChange) -> None:
        if args.truth is not None:
            changes.append(change)
        if args.json:
            out.write(orjson.dumps(change.to_json()).decode() + "\n")
        else:
            out.write(f"{change.t:.3f} {change.id} {change.zone or '-'}\n")

    try:
        stats = replay(args.trace, settings, emit)
    except BrokenPipeError:  # the reader (e.g. head) has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    rate = stats.receptions / stats.seconds if stats.seconds > 0 else 0.0
    note = f"{stats.receptions} receptions in {stats.seconds:.2f} s ({rate:,.0f}/s)"
    note += f", {stats.changes} changes"
    if stats.unknown_gateways:
        note += "; skipped unknown gateways " + ", ".join(
            f"{g} ({n})" for g, n in sorted(stats.unknown_gateways.items())
        )
    print(note, file=sys.stderr)
    if args.truth is not None:
        truth = to_steps(read_truth(args.truth))
        sc = score(truth, to_steps(c.to_json() for c in changes))
        print(
            f"zone accuracy {sc.zone_accuracy:.3f}, change p50 {sc.zone_change_p50_s:.1f} s, "
            f"missed {sc.missed_change_rate:.3f}, flaps per change {sc.flaps_per_change:.2f}",
            file=sys.stderr,
        )
    return 0


def _record(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    from edge.presence.config import load_settings  # noqa: PLC0415
    from edge.presence.record import record as record_trace  # noqa: PLC0415
    from protocol.models import Roster  # noqa: PLC0415

    settings = load_settings(args.config)
    if args.gateway not in settings.gateways:
        raise EdgeInputError(f"gateway {args.gateway!r} is not in {args.config}")
    try:
        roster = Roster.from_bytes(args.roster.read_bytes())
    except OSError as exc:
        raise EdgeInputError(f"{args.roster}: cannot read ({exc.strerror})") from exc
    except ProtocolError as exc:
        raise EdgeInputError(f"{args.roster}: {exc}") from exc
    from edge.backends.bleak_scanner import BleakBleScanner  # noqa: PLC0415  (needs a radio)

    radio = BleakBleScanner(bytes.fromhex(settings.chain_prefix), adapter=args.adapter)
    done = asyncio.run(
        record_trace(
            radio, settings, args.gateway, roster, args.out, clock=time.time, seconds=args.seconds
        )
    )
    print(
        f"{args.out}: {done.kept} receptions kept, {done.dropped} advertisements dropped",
        file=sys.stderr,
    )
    return 0
