"""A simulated kiosk with its real screen: the kiosk app of ``instore-edge run`` fed by a
simulated camera in which shoppers hold up packs one after another (and every other one
pairs their phone first), with suggestions from the recommender trained on the demo
shop's simulated baskets."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import uvicorn

from edge.agent import EdgeAgent
from edge.kiosk.device import build_kiosk
from edge.kiosk.kiosk import Kiosk
from simulators.demo_shop import DemoShop, demo_shop
from simulators.demo_visits import DemoPhone, VisitsCamera
from simulators.venue import DemoVenue, write_demo_venue

ON_SHELVES: Final = 160  # products the demo map places (two per shelf side)


def demo_venue(dest: Path, shop: DemoShop) -> DemoVenue:
    """The demo store's map, with the shop's first products on its shelves."""
    return write_demo_venue(dest, gtins=[p.gtin for p in shop.products[:ON_SHELVES]])


def serve_kiosk(
    agent: EdgeAgent,
    root: Path,
    port: int,
    seed: int,
    *,
    hub_url: str | None = None,
    hub_ca: str | None = None,
) -> None:
    """Run the kiosk screen on ``port`` until the process is stopped. With ``hub_url``
    every other shopper pairs their (simulated) phone first."""
    shop = demo_shop(root / "shop")
    venue = demo_venue(root / "venue", shop)
    kiosk: list[Kiosk] = []

    def leave() -> None:  # the paired shopper presses "done"
        if kiosk:
            kiosk[0].done()

    # Shoppers pick up what is on the shelves, so every card can show where it is.
    camera = VisitsCamera(
        [p for p in shop.products[:ON_SHELVES] if p.stock > 0],
        seed,
        phone=DemoPhone(hub_url, hub_ca) if hub_url else None,
        on_leave=leave,
    )
    app = build_kiosk(
        agent,
        shop.catalog,
        camera=camera,
        map_path=venue.imdf,
        here=venue.entrance_kiosk,
        hub_url=hub_url,
        hub_ca=hub_ca,
        suggest=shop.recommender,
    )
    kiosk.append(app.state.kiosk)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
