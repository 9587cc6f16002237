"""``instore-sim ble-calibrate``: fit a store's gateways and zone engine to a staff walk.

An integrator's tool, run on a laptop with traces recorded at the gateways (``instore-edge
ble record``) or simulated (``instore-sim ble-world``): it writes the tuned presence
settings and a PNG report (docs/presence.md, "Calibration")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cal = sub.add_parser(
        "ble-calibrate", help="fit path loss and engine settings to a walk (with a PNG report)"
    )
    cal.add_argument("trace", type=Path)
    cal.add_argument("truth", type=Path)
    cal.add_argument(
        "--check", nargs=2, type=Path, metavar=("TRACE", "TRUTH"),
        help="the second walk to score on (default: the later half of the walks in TRACE)",
    )  # fmt: skip
    cal.add_argument("--config", type=Path, help="the store's current presence settings (YAML)")
    cal.add_argument("--out", type=Path, default=Path("presence.yaml"), help="settings to write")
    cal.add_argument("--plot", type=Path, default=Path("calibration.png"), help="PNG to write")
    cal.add_argument("--json", action="store_true", help="print one JSON object")
    cal.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from tqdm import tqdm  # noqa: PLC0415

    from edge.presence.calibrate import CALIBRATION_STEPS, Walk, calibrate, split_walks  # noqa: PLC0415
    from edge.presence.config import PresenceSettings, dump_settings, load_settings  # noqa: PLC0415
    from edge.presence.trace import read_all, read_truth  # noqa: PLC0415
    from simulators.calibration_plot import plot  # noqa: PLC0415
    from simulators.errors import SimError  # noqa: PLC0415

    header, chunk, names, _ = read_all(args.trace)
    base = load_settings(args.config) if args.config is not None else None
    settings = PresenceSettings.from_header(header) if base is None else base.with_site_of(header)
    walk = Walk(chunk, names, list(header["gateways"]), read_truth(args.truth))
    if args.check is not None:
        c_header, c_chunk, c_names, _ = read_all(args.check[0])
        if list(c_header["gateways"]) != list(header["gateways"]):
            raise SimError("the two walks were recorded with different gateways")
        fit, check = (
            walk,
            Walk(c_chunk, c_names, list(c_header["gateways"]), read_truth(args.check[1])),
        )
    else:
        fit, check = split_walks(walk)
    with tqdm(total=CALIBRATION_STEPS, desc="calibrate", file=sys.stderr, disable=None) as bar:
        result = calibrate(settings, fit, check, bar.update)
    try:
        dump_settings(result.settings, args.out)
        plot(result, args.plot)
    except OSError as exc:
        raise SimError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    summary = {**result.summary(), "config": str(args.out), "plot": str(args.plot)}
    if args.json:
        print(orjson.dumps(summary).decode())
    else:
        before, after = summary["check_walk_before"], summary["check_walk_after"]
        was, now = before["zone_accuracy"], after["zone_accuracy"]
        print(f"check walk: zone accuracy {was:.1%} -> {now:.1%}")
        print(f"wrote {args.out} and {args.plot}")
    return 0
