"""``instore-sim train-recs``: build the recommender model file from simulated baskets
(simulators/recs_model.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from simulators.errors import SimError


def _handle(args: argparse.Namespace) -> int:
    from simulators.baskets import CatalogError  # noqa: PLC0415
    from simulators.recs_model import build_model_file  # noqa: PLC0415

    if args.items < 100:
        raise SimError("train-recs needs at least 100 items")
    try:
        meta = build_model_file(
            Path(args.out), items=args.items, seed=args.seed, version=args.version, progress=True
        )
    except CatalogError as exc:
        raise SimError(str(exc)) from exc
    if args.json:
        print(json.dumps({"path": str(args.out), **meta}))
    else:
        print(f"wrote {args.out} (version {meta['version']}, metrics {meta['metrics']})")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("train-recs", help="train the recommender and write its ONNX model file")
    p.add_argument("out", help="where to write the .onnx file")
    p.add_argument("--items", type=int, default=5_000, help="catalog size (default 5000)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--version", default="sim-1", help="version string stored in the model")
    p.add_argument("--json", action="store_true", help="print the metadata as one JSON object")
    p.set_defaults(handler=_handle)
