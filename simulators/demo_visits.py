"""Shoppers at the demo kiosk: one after another they hold packs up to its camera. Every
other one has opted in to suggestions from what they scan, on the hub's consent center
from a (simulated) phone, and shows the phone's pairing code first; at the end of their
visit they press "done". From their second visit on, the screen shows suggestions from
what they scanned on the earlier ones.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final

import httpx

from domain.catalog.products import Product
from domain.catalog.symbols import Code
from edge.ports import Frame
from hub.consent.pairing import code_on_page
from simulators.camera import FrameSpec, random_spec, render

log = logging.getLogger(__name__)

FPS: Final = 10.0  # a demo camera: enough to scan, light on a laptop's CPU
HOLD_S: Final = 2.0  # a pack held up to the camera
GAP_S: Final = 6.0  # then nothing, while the shopper reads the card
PACKS: Final = 3  # per visit
VIEWS: Final = 4  # different views of a pack while it is held
SIZE: Final = (1280, 720)
PHONE_TIMEOUT_S: Final = 5.0


class DemoPhone:
    """A shopper's phone on the hub's consent center: opted in to ``personal_recs``
    once, then a fresh pairing code whenever asked. The phone is known by its cookie."""

    def __init__(self, hub_url: str, hub_ca: str | None, birth_year: int = 1985) -> None:
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=hub_ca) if hub_ca else True
        )
        self._http = httpx.Client(base_url=hub_url, verify=verify, timeout=PHONE_TIMEOUT_S)
        self._birth_year = birth_year
        self._opted_in = False

    def pairing_code(self) -> str | None:
        """What the phone's pairing page shows, or None if the hub cannot be reached."""
        try:
            if not self._opted_in:
                self._http.get("/s/")  # the phone's cookie
                self._http.post("/s/age", data={"birth_year": str(self._birth_year)})
                on = self._http.post("/s/consent/personal_recs", json={"on": True})
                self._opted_in = on.status_code == httpx.codes.OK
            page = self._http.get("/s/pair").text
        except httpx.HTTPError as exc:
            log.warning("demo phone: the hub did not answer: %s", exc)
            return None
        return code_on_page(page)

    def close(self) -> None:
        self._http.close()


class VisitsCamera:
    """The :class:`edge.ports.Camera` port: visits played one frame per period, each
    visit planned when the one before has ended (a paired one asks the phone for a
    fresh code then, since codes live two minutes)."""

    def __init__(
        self,
        products: Sequence[Product],
        seed: int,
        phone: DemoPhone | None = None,
        on_leave: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._products = list(products)
        self._rng = random.Random(seed)
        self._phone = phone
        self._on_leave = on_leave
        self._clock = clock
        self._period = 1.0 / FPS
        self._due = 0.0
        self._frames: deque[FrameSpec | None] = deque()  # None: the shopper leaves here
        self._rendered: dict[FrameSpec, Frame] = {}
        self._visits = 0
        self._lock = threading.Lock()
        self.closed = False

    def read(self) -> Frame | None:
        now = self._clock()
        with self._lock:
            if self.closed or now < self._due:
                return None
            self._due = max(self._due + self._period, now)  # a slow reader skips frames
            if not self._frames:
                self._frames.extend(self._visit())
            spec = self._frames.popleft()
        if spec is None:
            if self._on_leave is not None:
                self._on_leave()
            return None
        return self._frame(spec)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._rendered.clear()
        if self._phone is not None:
            self._phone.close()

    def _frame(self, spec: FrameSpec) -> Frame:
        frame = self._rendered.get(spec)
        if frame is None:
            if len(self._rendered) > VIEWS * 2:  # a view repeats for a few frames
                self._rendered.clear()
            frame = self._rendered[spec] = render(spec)
        return frame

    def _visit(self) -> list[FrameSpec | None]:
        paired = self._phone is not None and self._visits % 2 == 0
        self._visits += 1
        frames: list[FrameSpec | None] = []
        code = self._phone.pairing_code() if paired and self._phone is not None else None
        if code is not None:
            frames += self._held(Code("QR", code))
        for product in self._rng.sample(self._products, min(PACKS, len(self._products))):
            frames += self._held(Code("EAN13", product.gtin[-13:]))
        if code is not None:
            frames.append(None)  # "done": the next shopper starts a session of their own
        return frames

    def _held(self, code: Code) -> list[FrameSpec]:
        # A hand moves: a few different views of the pack while it is held, so one bad
        # view (glare, blur) does not hide it for the whole hold.
        views = [random_spec(self._rng, [code], SIZE) for _ in range(VIEWS)]
        per_view = int(HOLD_S * FPS) // VIEWS
        empty = random_spec(self._rng, [], SIZE)
        return [v for v in views for _ in range(per_view)] + [empty] * int(GAP_S * FPS)
