"""``instore-edge run``: the agent on a real kiosk or gateway, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console import UsageError

if TYPE_CHECKING:
    from protocol.enrolment import DeviceIdentity


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run the agent of this kiosk or gateway")
    run.add_argument("--identity", type=Path, required=True, help="identity file from enrolment")
    run.add_argument("--outbox", type=Path, default=Path("var/edge/outbox.db"))
    run.add_argument(
        "--config-dir",
        type=Path,
        default=Path("var/edge/config"),
        help="where configs pushed from the hub are kept (the running one and the one before)",
    )
    kiosk = run.add_argument_group("kiosk")
    kiosk.add_argument("--catalog", type=Path, help="product feed (CSV or JSON)")
    kiosk.add_argument("--camera", help="camera: device index, file or RTSP URL")
    kiosk.add_argument("--map", type=Path, help="the store map (IMDF folder/zip or shop YAML)")
    kiosk.add_argument("--here", help="this kiosk's feature id on the map")
    kiosk.add_argument("--hub-url", help="the hub's web address, for phone pairing")
    kiosk.add_argument("--hub-ca", help="CA certificate that signed the hub's HTTPS certificate")
    kiosk.add_argument("--http", default="127.0.0.1:8090", help="HOST:PORT of the kiosk screen")
    kiosk.add_argument(
        "--recs-model",
        type=Path,
        help="recommender model (instore-sim train-recs): related items and, for shoppers "
        "who opted in, suggestions from what they scanned; models pushed from the hub "
        "are kept beside it",
    )
    gateway = run.add_argument_group("gateway")
    gateway.add_argument("--presence", type=Path, help="presence settings (YAML)")
    gateway.add_argument("--adapter", help="Bluetooth adapter, e.g. hci0")
    gateway.add_argument(
        "--leader",
        help="the gateway that sends zone events (default: the first in the presence settings)",
    )
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import logging  # noqa: PLC0415

    from protocol.enrolment import DeviceIdentity  # noqa: PLC0415
    from protocol.kinds import DeviceKind  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(asctime)s edge %(levelname)s %(message)s")
    identity = DeviceIdentity.read(args.identity)
    if identity.kind is DeviceKind.KIOSK:
        return _kiosk(identity, args)
    return _gateway(identity, args)


def _kiosk(identity: DeviceIdentity, args: argparse.Namespace) -> int:
    """The kiosk's imports only: a gateway never loads the web app, OpenCV or onnxruntime."""
    import uvicorn  # noqa: PLC0415

    from console.heap import settle_heap  # noqa: PLC0415
    from domain.catalog.feed import read_catalog  # noqa: PLC0415
    from edge.agent import EdgeAgent  # noqa: PLC0415
    from edge.kiosk.device import build_kiosk  # noqa: PLC0415

    if args.catalog is None:
        raise UsageError("a kiosk needs --catalog FEED (the products it can show)")
    catalog = read_catalog(args.catalog)
    suggest, install = None, None
    if args.recs_model is not None:
        from domain.backends.onnx_model import OnnxModelRunner  # noqa: PLC0415
        from domain.recs.store import open_store_recs  # noqa: PLC0415

        recs = open_store_recs(catalog, args.recs_model, OnnxModelRunner)
        suggest, install = recs.recommender, recs.installer.install_push
    agent = EdgeAgent(identity, args.outbox, config_dir=args.config_dir, install_model=install)
    camera = None
    if args.camera:
        from edge.backends.opencv_camera import OpenCvCamera, parse_source  # noqa: PLC0415

        camera = OpenCvCamera(parse_source(args.camera))
    app = build_kiosk(
        agent,
        catalog,
        camera=camera,
        map_path=args.map,
        here=args.here,
        hub_url=args.hub_url,
        hub_ca=args.hub_ca,
        suggest=suggest,
    )
    host, _, port = args.http.rpartition(":")
    agent.start()
    settle_heap()
    try:
        uvicorn.run(app, host=host or "127.0.0.1", port=int(port), log_level="warning")
    finally:
        agent.stop()
    return 0


def _gateway(identity: DeviceIdentity, args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415
    import contextlib  # noqa: PLC0415
    import signal  # noqa: PLC0415

    from console.heap import settle_heap  # noqa: PLC0415
    from edge.backends.bleak_scanner import BleakBleScanner  # noqa: PLC0415
    from edge.presence.config import load_settings  # noqa: PLC0415
    from edge.presence.device import Gateway  # noqa: PLC0415

    if args.presence is None:
        raise UsageError("a gateway needs --presence SETTINGS (gateways, zones, beacons)")
    settings = load_settings(args.presence)
    leader = args.leader or min(settings.gateways)
    gateway = Gateway(
        identity,
        args.outbox,
        settings,
        leader=identity.device == leader,
        config_dir=args.config_dir,
    )
    scanner = BleakBleScanner(bytes.fromhex(settings.chain_prefix), adapter=args.adapter)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        settle_heap()
        # Restarts after adapter errors and long silences, until Ctrl-C or SIGTERM.
        await gateway.run(scanner, stop)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0
