"""``instore-sim bench NAME``: run a benchmark and print its figures; each benchmark's
work is in simulators/bench/NAME.py."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Final, TypeAlias

import orjson

from simulators.errors import SimError

# The commands' defaults (named here so that --help imports no benchmark); three repeat the
# default of a bench function, named beside them.
ROUTES: Final = 1000  # simulators.bench.route.ROUTES
BLE_SHOPPERS: Final = 24  # simulators.bench.ble.SHOPPERS
RECS_QUERIES: Final = 10_000  # simulators.bench.recs.DEFAULT_QUERIES
DASHBOARD_EVENTS: Final = 1_000_000
DASHBOARD_RATE: Final = 5000  # events/s during the measurement, as the issue asks
RECS_ITEMS: Final = 50_000
SCAN_FRAMES: Final = 1000
SCAN_SEED: Final = 20261123
SCAN_MIN_FRAMES: Final = 20

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(sub: Subparsers) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and print its figures")
    names = bench.add_subparsers(dest="bench", required=True, metavar="NAME")
    _route(names)
    _ingest(names)
    _recs(names)
    _ble(names)
    _dashboard(names)
    _scan(names)
    _footprint(names)


def _figures(result: dict[str, Any], as_json: bool) -> None:
    """One JSON object, or a ``key: value`` line per figure."""
    if as_json:
        print(orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY).decode())
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


def _route(names: Subparsers) -> None:
    parser = names.add_parser("route", help="routing on a 10,000-node venue vs networkx A*")
    parser.add_argument("--routes", type=int, default=ROUTES, help="queries to time")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=_run_route)


def _run_route(args: argparse.Namespace) -> int:
    from simulators.bench.route import run  # noqa: PLC0415

    if args.routes < 1:
        raise SimError("--routes must be at least 1")
    result = run(args.routes)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['nodes']} nodes: p99 {result['p99_ms']} ms "
            f"(networkx A*: {result['baseline_p99_ms']} ms)"
        )
    return 0


def _ingest(names: Subparsers) -> None:
    bench = names.add_parser("ingest", help="durable end-to-end ingest throughput and latency")
    bench.add_argument("--events", type=int, default=200_000)
    bench.add_argument("--baseline-events", type=int, default=20_000)
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--keep", type=Path, help="run in this directory and keep it")
    bench.add_argument(
        "--tls",
        action="store_true",
        help="also run the throughput phase over TLS with client certificates, passwords and "
        "ACLs, and report tls_events_per_s and tls_ratio",
    )
    bench.set_defaults(handler=_run_ingest)


def _run_ingest(args: argparse.Namespace) -> int:
    from simulators.bench.ingest import run_ingest_bench  # noqa: PLC0415

    result = run_ingest_bench(args.events, args.baseline_events, tls=args.tls, keep=args.keep)
    _figures(result, args.json)
    return 0


def _recs(names: Subparsers) -> None:
    p = names.add_parser("recs", help="recommender recall, NDCG, coverage and p99 vs baselines")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p.add_argument("--items", type=int, default=RECS_ITEMS, help="catalog size")
    p.add_argument("--queries", type=int, default=RECS_QUERIES, help="held-out baskets to score")
    p.set_defaults(handler=_run_recs)


def _run_recs(args: argparse.Namespace) -> int:
    from simulators.bench.recs import run_recs_bench  # noqa: PLC0415

    _figures(run_recs_bench(args.items, args.seed, args.queries), args.json)
    return 0


def _ble(names: Subparsers) -> None:
    parser = names.add_parser("ble", help="BLE presence: zone accuracy and filter speed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sigma", type=float, default=6.0, help="shadowing sigma, dB")
    parser.add_argument("--shoppers", type=int, default=BLE_SHOPPERS)
    parser.set_defaults(handler=_run_ble)


def _run_ble(args: argparse.Namespace) -> int:
    from simulators.bench.ble import KEYS, run_bench  # noqa: PLC0415

    figures = run_bench(args.seed, args.sigma, args.shoppers)
    _figures({k: figures[k] for k in KEYS}, args.json)
    return 0


def _dashboard(names: Subparsers) -> None:
    bench = names.add_parser("dashboard", help="dashboard page latency under a 1M-event store")
    bench.add_argument("--events", type=int, default=DASHBOARD_EVENTS)
    bench.add_argument(
        "--seconds", type=float, default=20.0, help="how long to request pages, in turn"
    )
    bench.add_argument("--rate", type=int, default=DASHBOARD_RATE, help="ingest events/s meanwhile")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--keep", type=Path, help="run in this directory and keep it")
    bench.set_defaults(handler=_run_dashboard)


def _run_dashboard(args: argparse.Namespace) -> int:
    from simulators.bench.dashboard import run_dashboard_bench  # noqa: PLC0415

    _figures(run_dashboard_bench(args.events, args.seconds, args.rate, args.keep), args.json)
    return 0


def _scan(names: Subparsers) -> None:
    parser = names.add_parser("scan", help="decoder accuracy, false reads, latency, scan-to-screen")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--frames", type=int, default=SCAN_FRAMES)
    parser.add_argument(
        "--seed", default=str(SCAN_SEED), help="corpus seed, or 'random' for a fresh corpus"
    )
    parser.add_argument("--scans", type=int, default=40, help="scans in the screen test")
    parser.add_argument(
        "--no-screen", action="store_true", help="skip the Chromium scan-to-screen run"
    )
    parser.set_defaults(handler=_run_scan)


def _run_scan(args: argparse.Namespace) -> int:
    from simulators.bench.scan import decode_corpus  # noqa: PLC0415
    from simulators.bench.scan_corpus import fresh_seed  # noqa: PLC0415
    from simulators.bench.scan_screen import scan_to_screen  # noqa: PLC0415

    if args.frames < SCAN_MIN_FRAMES:
        raise SimError(f"--frames must be at least {SCAN_MIN_FRAMES}")
    try:
        seed = fresh_seed() if args.seed == "random" else int(args.seed)
    except ValueError as exc:
        raise SimError(f"--seed must be an integer or 'random', not {args.seed!r}") from exc
    result = decode_corpus(args.frames, seed)
    result["scan_to_screen_p99_ms"] = None if args.no_screen else scan_to_screen(args.scans)
    _figures(result, args.json)
    return 0


def _footprint(names: Subparsers) -> None:
    parser = names.add_parser(
        "footprint", help="--help times, and each part's peak memory in a working store"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the store works")
    parser.add_argument("--shoppers", type=int, default=12, help="opted-in phones walking")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--root", type=Path, default=Path("var/footprint"), help="working directory (wiped)"
    )
    parser.set_defaults(handler=_run_footprint)


def _run_footprint(args: argparse.Namespace) -> int:
    from simulators.bench.footprint import run_footprint  # noqa: PLC0415

    if args.seconds <= 0 or args.shoppers < 1:
        raise SimError("--seconds must be positive and --shoppers at least 1")
    result = run_footprint(args.root, seconds=args.seconds, shoppers=args.shoppers, seed=args.seed)
    _figures(result, args.json)
    return 0
