"""``instore-hub run``: ingest plus the web app, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from hub.service import HubService
from hub.settings import DEFAULT_DATA_DIR, HubHome, parse_broker_url
from hub.web import create_app


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run ingest and the web app")
    run.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    run.add_argument("--broker", help="override the broker in hub.yaml (mqtt://HOST:PORT)")
    run.add_argument("--http", default="127.0.0.1:8080", help="HOST:PORT for the web app")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s hub %(levelname)s %(message)s")
    home = HubHome(args.data)
    broker = parse_broker_url(args.broker) if args.broker else None
    service = HubService(home, broker=broker)
    service.start()
    host, _, port = args.http.rpartition(":")
    try:
        # uvicorn handles SIGINT and SIGTERM and returns; then ingest stops cleanly.
        uvicorn.run(
            create_app(home.db_path), host=host or "127.0.0.1", port=int(port), log_level="warning"
        )
    finally:
        service.stop()
    return 0
