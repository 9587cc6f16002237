"""``instore-sim ble-world``: simulate BLE walks, write a trace and its ground truth
(simulators/ble_world.py)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``instore-sim ble-world``: write a trace and its ground truth."""
    p = sub.add_parser("ble-world", help="simulate BLE walks: a trace and its ground truth")
    p.add_argument("--out", type=Path, required=True, help="trace file to write")
    p.add_argument("--truth", type=Path, required=True, help="ground-truth file to write")
    p.add_argument(
        "--walks", type=int, default=2, help="staff calibration walks, one after another"
    )
    p.add_argument("--shoppers", type=int, default=0, help="opted-in shoppers walking meanwhile")
    p.add_argument("--minutes", type=float, default=20.0, help="how long shoppers shop")
    p.add_argument("--sigma", type=float, default=6.0, help="shadowing sigma, dB")
    p.add_argument("--correlation-s", type=float, default=6.0, help="shadowing time constant")
    p.add_argument("--exponent", type=float, default=3.0, help="path-loss exponent")
    p.add_argument("--loss", type=float, default=0.25, help="packet loss, 0-1")
    p.add_argument("--hz", type=float, default=4.0, help="advertising rate of every phone")
    p.add_argument("--no-fading", action="store_true", help="no Rayleigh fading")
    p.add_argument(
        "--ref-offset-db", type=float, default=0.0, help="gateways' 1 m power off by +-this"
    )
    p.add_argument("--corner-gateways", action="store_true", help="gateways on the walls")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(handler=_world)


def _world(args: argparse.Namespace) -> int:
    from simulators.ble_world import RadioModel, write_world  # noqa: PLC0415

    radio = RadioModel(
        exponent=args.exponent,
        sigma_db=args.sigma,
        correlation_s=args.correlation_s,
        fading=not args.no_fading,
        loss=args.loss,
        ref_offset_db=args.ref_offset_db,
    )
    n, marks = write_world(
        args.out, args.truth, radio=radio, walks=args.walks, shoppers=args.shoppers,
        minutes=args.minutes, hz=args.hz, corner_gateways=args.corner_gateways, seed=args.seed,
    )  # fmt: skip
    print(f"{args.out}: {n} receptions; {args.truth}: {marks} marks")
    return 0
