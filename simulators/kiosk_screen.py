"""A simulated kiosk with its real screen: the kiosk app of ``instore-edge run`` fed by a
simulated camera in which a shopper holds up a pack every few seconds, with related items
from the recommender trained on the demo shop's simulated baskets."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import uvicorn

from edge.agent import EdgeAgent
from edge.runtime import build_kiosk
from edge.scan.catalog import Catalog, Product
from edge.scan.symbols import Code
from simulators.camera import FrameSpec, SimulatedCamera, random_spec
from simulators.demo_shop import DemoShop, demo_shop
from simulators.venue import DemoVenue, write_demo_venue

FPS: Final = 10.0  # a demo camera: enough to scan, light on a laptop's CPU
HOLD_S: Final = 2.0  # a pack held up to the camera
GAP_S: Final = 6.0  # then nothing, while the shopper reads the card
SIZE: Final = (1280, 720)
ON_SHELVES: Final = 160  # products the demo map places (two per shelf side)


def scenario(products: Sequence[Product], seed: int, packs: int = 40) -> list[FrameSpec]:
    """Packs held up one after another, with empty frames between."""
    rng = random.Random(seed)
    specs: list[FrameSpec] = []
    for product in rng.sample(list(products), min(packs, len(products))):
        held = random_spec(rng, [Code("EAN13", product.gtin[-13:])], SIZE)
        empty = random_spec(rng, [], SIZE)
        specs += [held] * int(HOLD_S * FPS) + [empty] * int(GAP_S * FPS)
    return specs


def demo_venue(dest: Path, shop: DemoShop) -> DemoVenue:
    """The demo store's map, with the shop's first products on its shelves."""
    return write_demo_venue(dest, gtins=[p.gtin for p in shop.products[:ON_SHELVES]])


def serve_kiosk(agent: EdgeAgent, root: Path, port: int, seed: int) -> None:
    """Run the kiosk screen on ``port`` until the process is stopped."""
    shop = demo_shop(root / "shop")
    venue = demo_venue(root / "venue", shop)
    # Shoppers pick up what is on the shelves, so every card can show where it is.
    camera = SimulatedCamera(scenario(shop.products[:ON_SHELVES], seed), FPS, loop=True)
    app = build_kiosk(
        agent,
        Catalog(shop.products),
        camera=camera,
        map_path=venue.imdf,
        here=venue.entrance_kiosk,
        related=shop.related,
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
