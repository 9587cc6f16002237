"""``instore-sim device``: one simulated kiosk or gateway, the real edge agent fed by a
simulated event source (simulators/device.py)."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dev = sub.add_parser("device", help="run one simulated kiosk or gateway")
    dev.add_argument("--identity", type=Path, required=True, help="identity file from enrolment")
    dev.add_argument("--outbox", type=Path, required=True, help="outbox database path")
    dev.add_argument(
        "--rate", type=float, default=2.0, help="events per second (0: as fast as possible)"
    )
    dev.add_argument("--events", type=int, default=0, help="stop generating after N (0: never)")
    dev.add_argument("--bench", action="store_true", help="fixed ~200-byte benchmark events")
    dev.add_argument("--record", type=Path, help="append accepted event ids to this file")
    dev.add_argument(
        "--exit-when-drained",
        action="store_true",
        help="exit once N events are generated and all acknowledged",
    )
    dev.add_argument("--seed", type=int, default=0)
    dev.add_argument(
        "--screen",
        type=int,
        metavar="PORT",
        help="kiosk only: serve its real screen here, "
        "fed by a simulated camera, instead of generating scans",
    )
    dev.add_argument("--hub-url", help="with --screen: the hub's web address, for pairing")
    dev.add_argument("--hub-ca", help="with --screen: the CA of the hub's HTTPS certificate")
    dev.add_argument(
        "--air",
        type=Path,
        help="gateway only: run presence on this recorded air (simulators/air.py) instead "
        "of generating footfall; needs --presence",
    )
    dev.add_argument("--presence", type=Path, help="with --air: the store's presence settings")
    dev.add_argument("--heartbeat", type=float, default=15.0, help="seconds between heartbeats")
    dev.add_argument("--keepalive", type=int, default=30, help="MQTT keepalive in seconds")
    dev.set_defaults(handler=_device)


def _device(args: argparse.Namespace) -> int:
    if args.air is not None:
        return _gateway(args)
    from edge.agent import EdgeAgent  # noqa: PLC0415
    from edge.uplink import UplinkSettings  # noqa: PLC0415
    from protocol.enrolment import DeviceIdentity  # noqa: PLC0415
    from protocol.kinds import DeviceKind  # noqa: PLC0415
    from simulators.device import KioskScreen, Workload, run_device  # noqa: PLC0415

    identity = DeviceIdentity.read(args.identity)
    settings = UplinkSettings(heartbeat_s=args.heartbeat, keepalive_s=args.keepalive)
    # A simulated gateway takes the signed roster as a real one does (checked, its version
    # kept); it has no radio to look for the tokens with.
    follows = identity.kind is DeviceKind.GATEWAY
    agent = EdgeAgent(
        identity, args.outbox, settings=settings, on_roster=(lambda r: None) if follows else None
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    workload = Workload(
        rate=args.rate,
        events=args.events,
        bench=args.bench,
        seed=args.seed,
        record=args.record,
        exit_when_drained=args.exit_when_drained,
    )
    screen = None
    if args.screen:
        screen = KioskScreen(args.screen, args.outbox.parent, args.hub_url, args.hub_ca)
    run_device(agent, workload, stop, screen)
    return 0


def _gateway(args: argparse.Namespace) -> int:
    """A gateway as ``instore-edge run`` builds it (edge/presence/device.py), its radio
    replaced by recorded air: scanning, filtering, zoning and uploads are the product's."""
    import asyncio  # noqa: PLC0415

    from console.heap import settle_heap  # noqa: PLC0415
    from edge.presence.config import load_settings  # noqa: PLC0415
    from edge.presence.device import Gateway  # noqa: PLC0415
    from edge.uplink import UplinkSettings  # noqa: PLC0415
    from protocol.enrolment import DeviceIdentity  # noqa: PLC0415
    from simulators.air import AirScanner  # noqa: PLC0415
    from simulators.errors import SimError  # noqa: PLC0415

    if args.presence is None:
        raise SimError("--air needs --presence (the store's presence settings)")
    identity = DeviceIdentity.read(args.identity)
    settings = load_settings(args.presence)
    uplink = UplinkSettings(heartbeat_s=args.heartbeat, keepalive_s=args.keepalive)
    gateway = Gateway(
        identity,
        args.outbox,
        settings,
        leader=identity.device == min(settings.gateways),
        uplink=uplink,
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        settle_heap()
        await gateway.run(AirScanner(args.air, hold=True), stop)

    asyncio.run(main())
    return 0
