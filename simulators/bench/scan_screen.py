"""Scan-to-screen latency: the simulated camera plays packs held up one after another at
30 fps into the real kiosk app (worker-process decoder, debounce, catalog, server-sent
events); Chromium shows the cards, and the page records when each card was painted.
Latency is from the arrival of the frame that was read to the card on screen."""

from __future__ import annotations

import random
import threading
import time
from typing import Final

import numpy as np
import uvicorn

from domain.catalog.products import Catalog
from edge.kiosk.web import build_kiosk_app
from edge.scan.decoder import CombinedDecoder, to_gray
from simulators.bench.scan_corpus import retail_code
from simulators.camera import FrameSpec, SimulatedCamera, random_spec, render
from simulators.catalog import demo_catalog
from simulators.errors import SimError
from simulators.net import free_port

CHROMIUM: Final = "/usr/bin/chromium"
CHROMIUM_ARGS: Final = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
FPS: Final = 30.0
HOLD_FRAMES: Final = 24  # 0.8 s: a pack held up to the camera
GAP_FRAMES: Final = 12  # 0.4 s: the hand moves away before the next pack
_KIOSK_SIZE: Final = (1280, 720)  # a kiosk camera's usual mode


def _scenario(scans: int, seed: int) -> tuple[list[FrameSpec], Catalog]:
    """Packs the kiosk decoder can read (this measures latency, not accuracy)."""
    products = demo_catalog(seed, size=max(scans * 2, 40))
    rng = random.Random(seed)
    decoder = CombinedDecoder()
    empty = random_spec(rng, [], _KIOSK_SIZE)
    specs: list[FrameSpec] = [empty] * GAP_FRAMES
    for product in products:
        if len(specs) >= GAP_FRAMES + scans * (HOLD_FRAMES + GAP_FRAMES):
            break
        spec = random_spec(rng, [retail_code(product)], _KIOSK_SIZE)
        if retail_code(product) not in {r.code for r in decoder.decode(to_gray(render(spec)))}:
            continue
        specs += [spec] * HOLD_FRAMES + [empty] * GAP_FRAMES
    return specs, Catalog(products)


def scan_to_screen(scans: int = 40, seed: int = 5) -> float:
    """p99 milliseconds from frame arrival to product card painted in Chromium."""
    from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415 - optional
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    specs, catalog = _scenario(scans, seed)
    camera = SimulatedCamera(specs, fps=FPS, paused=True, prerender=True)
    app = build_kiosk_app(catalog, camera=camera)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise SimError("the kiosk app did not start")
            time.sleep(0.05)
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            except PlaywrightError as exc:
                raise SimError(f"cannot start Chromium at {CHROMIUM}: {exc.message}") from exc
            page = browser.new_page(viewport={"width": 1080, "height": 1920})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("body[data-connected=true]", timeout=30_000)
            time.sleep(3.0)  # the decoder worker process starts (imports OpenCV)
            camera.play()
            while not camera.finished:
                time.sleep(0.1)
            time.sleep(1.0)
            shown = page.evaluate("window.__shown")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    latencies = [s["shown_ms"] - s["arrived_ms"] for s in shown if s["view"] == "product"]
    if not latencies:
        raise SimError("no product card reached the screen")
    return round(float(np.percentile(latencies, 99)), 1)
