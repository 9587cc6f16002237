"""A simulated kiosk with its real screen: the kiosk app of ``instore-edge run`` fed by a
simulated camera in which a shopper holds up a pack every few seconds."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Final

import uvicorn

from edge.agent import EdgeAgent
from edge.runtime import build_kiosk
from edge.scan.catalog import Catalog
from edge.scan.symbols import Code
from simulators.camera import FrameSpec, SimulatedCamera, random_spec
from simulators.catalog import demo_catalog
from simulators.venue import DemoVenue, write_demo_venue

FPS: Final = 10.0  # a demo camera: enough to scan, light on a laptop's CPU
HOLD_S: Final = 2.0  # a pack held up to the camera
GAP_S: Final = 6.0  # then nothing, while the shopper reads the card
SIZE: Final = (1280, 720)


def scenario(seed: int, products: int = 40) -> list[FrameSpec]:
    """Packs of the demo catalog held up one after another, with empty frames between."""
    rng = random.Random(seed)
    catalog = demo_catalog()
    specs: list[FrameSpec] = []
    for product in rng.sample(catalog, min(products, len(catalog))):
        held = random_spec(rng, [Code("EAN13", product.gtin[-13:])], SIZE)
        empty = random_spec(rng, [], SIZE)
        specs += [held] * int(HOLD_S * FPS) + [empty] * int(GAP_S * FPS)
    return specs


def demo_venue(dest: Path) -> DemoVenue:
    """The demo store's map, with the demo catalog's products on its shelves."""
    return write_demo_venue(dest, gtins=[p.gtin for p in demo_catalog()])


def serve_kiosk(agent: EdgeAgent, root: Path, port: int, seed: int) -> None:
    """Run the kiosk screen on ``port`` until the process is stopped."""
    products = demo_catalog()
    venue = demo_venue(root / "venue")
    camera = SimulatedCamera(scenario(seed), FPS, loop=True)
    app = build_kiosk(
        agent, Catalog(products), camera=camera, map_path=venue.imdf, here=venue.entrance_kiosk
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
