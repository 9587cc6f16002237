"""``instore-hub run``: ingest plus the web app, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console import UsageError
from hub.cli.options import add_data

if TYPE_CHECKING:
    from domain.recs.catalog_recs import CatalogRecommender


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run ingest and the web app")
    add_data(run)
    run.add_argument("--broker", help="override the broker in hub.yaml (mqtt://HOST:PORT)")
    run.add_argument("--http", default="127.0.0.1:8080", help="HOST:PORT for the web app")
    run.add_argument("--tls-cert", type=Path, help="HTTPS certificate (PEM) for the web app")
    run.add_argument("--tls-key", type=Path, help="its private key (PEM)")
    run.add_argument(
        "--self-signed", action="store_true", help="HTTPS with a self-signed certificate (demo)"
    )
    run.add_argument("--map", type=Path, help="the store map for the phone pages (/map)")
    run.add_argument("--catalog", type=Path, help="product feed (CSV or JSON), for /s/for-you")
    run.add_argument(
        "--recs-model", type=Path, help="recommender model (instore-sim train-recs), for /s/for-you"
    )
    run.set_defaults(handler=_run)


def _recommender(feed: Path | None, model: Path | None) -> CatalogRecommender | None:
    """The store's recommender for the phone pages, when both files are given."""
    from domain.backends.onnx_model import OnnxModelRunner  # noqa: PLC0415
    from domain.catalog.feed import read_catalog  # noqa: PLC0415
    from domain.recs.store import open_store_recs  # noqa: PLC0415

    if feed is None and model is None:
        return None
    if feed is None or model is None:
        raise UsageError("suggestions on the phone pages need both --catalog and --recs-model")
    return open_store_recs(read_catalog(feed), model, OnnxModelRunner).recommender


def _run(args: argparse.Namespace) -> int:
    import logging  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415

    from console.heap import settle_heap  # noqa: PLC0415
    from hub.consent.system import ConsentSystem  # noqa: PLC0415
    from hub.consent.tls import self_signed  # noqa: PLC0415
    from hub.service import HubService  # noqa: PLC0415
    from hub.settings import HubHome, parse_broker_url  # noqa: PLC0415
    from hub.web import build_app  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(asctime)s hub %(levelname)s %(message)s")
    home = HubHome(args.data)
    broker = parse_broker_url(args.broker) if args.broker else None
    consent = ConsentSystem(home)
    service = HubService(
        home, broker=broker, consent=consent.check_collected, protect=consent.protector
    )
    consent.attach(service)
    service.start()
    consent.start_jobs()
    host, _, port = args.http.rpartition(":")
    cert, key = args.tls_cert, args.tls_key
    if args.self_signed and not cert:
        cert, key = self_signed(home, [host or "127.0.0.1", "localhost"])
    app = build_app(
        home,
        consent,
        service,
        secure=cert is not None,
        map_path=args.map,
        suggest=_recommender(args.catalog, args.recs_model),
    )
    settle_heap()
    try:
        # uvicorn handles SIGINT and SIGTERM and returns; then ingest stops cleanly.
        uvicorn.run(
            app,
            host=host or "127.0.0.1",
            port=int(port),
            log_level="warning",
            timeout_graceful_shutdown=3,  # live dashboard streams end on Ctrl-C
            ssl_certfile=str(cert) if cert else None,
            ssl_keyfile=str(key) if key else None,
        )
    finally:
        service.stop()
        consent.close()
    return 0
