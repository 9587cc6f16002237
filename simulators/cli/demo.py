"""``instore-sim demo``: Mosquitto, the hub and a simulated store, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType

from console import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="run a whole simulated store with its hub")
    demo.add_argument(
        "--root", type=Path, default=Path("var/demo"), help="working directory (wiped)"
    )
    demo.add_argument("--kiosks", type=int, default=3)
    demo.add_argument("--gateways", type=int, default=4)
    demo.add_argument("--rate", type=float, default=2.0, help="events per second per device")
    demo.add_argument("--http-port", type=int, default=8080)
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from hub.dashboard.roles import Role  # noqa: PLC0415
    from hub.dashboard.users import add_users  # noqa: PLC0415
    from simulators.demo_shop import demo_shop  # noqa: PLC0415
    from simulators.fleet import SimStore  # noqa: PLC0415
    from simulators.kiosk_screen import demo_venue  # noqa: PLC0415
    from simulators.net import free_port  # noqa: PLC0415

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    store = SimStore(
        args.root,
        kiosks=args.kiosks,
        gateways=args.gateways,
        http_port=args.http_port,
        https=True,  # the consent center takes shoppers' choices: never over plain HTTP
        tls=True,  # the broker as a store runs it: TLS, a login each, the ACL
    )
    try:
        store.setup()
        logins = add_users(
            store.home,
            {"staff": Role.STAFF, "officer": Role.PRIVACY_OFFICER, "admin": Role.ADMIN},
        )
        shop = demo_shop(args.root / "shop")
        store.map_path = demo_venue(args.root / "venue", shop).imdf
        store.catalog_path = shop.write_feed(args.root / "shop" / "catalog.json")
        store.recs_model = shop.model_path
        store.start_hub()
        screen = free_port()
        kiosk = ["--screen", str(screen), "--hub-url", store.dashboard_url.rstrip("/"),
                 "--hub-ca", str(store.https_ca)]  # fmt: skip
        for seed, device in enumerate(store.device_ids()):
            extra = kiosk if device == "kiosk-1" else ["--rate", str(args.rate)]
            store.start_device(device, [*extra, "--seed", str(seed)])
        say(f"dashboard: {store.dashboard_url}   (self-signed certificate: accept it once)")
        say(f"kiosk:     http://127.0.0.1:{screen}/   (kiosk-1's screen, a simulated camera;")
        say("           every other shopper pairs a phone and sees suggestions from earlier scans)")
        say(f"phone:     {store.dashboard_url}s/   (consent center, For you) and /map (store map)")
        say(f"broker:    {store.broker_url}   (read-only, made for this run)")
        operator = store.operator
        if operator is not None and operator.tls_ca:
            say(f"CA: {operator.tls_ca}")
            say(f"           client certificate {operator.tls_cert}, key {operator.tls_key}")
        for name, password in logins.items():
            say(f"login:     {name} / {password}   (made for this run, shown once)")
        say(f"devices:   {', '.join(store.device_ids())} (logs in {args.root / 'logs'})")
        say("Ctrl-C stops everything.")
        stop.wait()
    finally:
        store.stop()
        say("stopped.")
    return 0
