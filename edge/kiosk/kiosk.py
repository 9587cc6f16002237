"""What the kiosk does with a code, from whichever input it came: look it up, pair a phone,
record the scan event, and push the screen update to the page.

The lead wires three things in: ``sink`` (scan events to the outbox), ``pairing``
(pairing token -> :class:`Pairing`, answered by the hub) and ``suggest`` (the
recommender: related items for everyone, and for a paired shopper who opted in one
suggestion from their own history per scan, at most three a visit). All three are
optional, so the kiosk runs anywhere.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from domain.catalog.products import Catalog, Product
from domain.catalog.symbols import Code, gtin_key, normalise, pairing_token
from domain.recs.catalog_recs import Asker
from domain.recs.policy import Decision, Moment, Suggestion, Visit
from edge.kiosk.session import DEFAULT_IDLE_TIMEOUT_S, KioskSession, PairingResolver
from protocol.purposes import Purpose


class Suggester(Protocol):
    """The recommender as the kiosk asks it (``domain.recs.catalog_recs.CatalogRecommender``)."""

    def at(
        self,
        now: float,
        visit: Visit | None,
        moment: Moment,
        asker: Asker,
        scanned: str | None = None,
    ) -> tuple[Decision, Visit]: ...


# At most this many related items on a card: a kiosk screen has room for a row, not a page.
MAX_RELATED: Final = 4
# Each open page gets a queue this deep; a page that stops reading loses old updates.
_QUEUE_DEPTH: Final = 32


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """A scan for the outbox: ``scan`` is anonymous (no subject, no purpose); ``scan.personal``
    carries the paired shopper's pseudonym, the purpose and the consent record id."""

    type: str
    ts: float
    data: dict[str, Any]
    subject: str | None = None
    purpose: Purpose | None = None
    consent: str | None = None


EventSink = Callable[[ScanEvent], None]


def _card(
    product: Product, decision: Decision, catalog: Catalog, map_url: str | None
) -> dict[str, Any]:
    def item(s: Suggestion) -> dict[str, Any]:
        anchor = None if s.anchor_sku is None else catalog.get(s.anchor_sku)
        shown = catalog.get(s.sku)
        return {
            "gtin": shown.display_gtin if shown else s.sku,
            "name": s.name,
            "price_cents": s.price_cents,  # the catalog's one price, as on the shelf
            "currency": shown.currency if shown else product.currency,
            "reason": s.reason.value,  # the page says why in its own language
            "anchor": anchor.name if anchor else None,
        }

    return {
        "gtin": product.display_gtin,
        "name": product.name,
        "price_cents": product.price_cents,
        "currency": product.currency,
        "description": product.description,
        "allergens": list(product.allergens),
        "shelf": product.shelf,
        "stock": product.stock,
        "map": None if map_url is None else f"{map_url}?to={product.gtin[1:]}",
        "related": [item(s) for s in decision.related[:MAX_RELATED]],
        "personal": [item(s) for s in decision.personal],
    }


class Kiosk:
    """The kiosk's state and its push channel to the open pages. Thread-safe: the camera
    loop, the scanner and the web handlers all call :meth:`submit`."""

    def __init__(
        self,
        catalog: Catalog,
        sink: EventSink | None = None,
        *,
        pairing: PairingResolver | None = None,
        suggest: Suggester | None = None,
        map_url: str | None = None,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalog = catalog
        self.sink = sink
        self.pairing = pairing
        self.suggest = suggest
        self.map_url = map_url
        self.session = KioskSession(idle_timeout_s)
        self.clock = clock
        self._lock = threading.Lock()
        self._pages: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = []
        self._sequence = 0
        self._current: dict[str, Any] | None = None

    # -- inputs -------------------------------------------------------------------------
    def submit_text(self, text: str, source: str, arrived: float | None = None) -> dict[str, Any]:
        """A code typed by a handheld scanner: digits are a GTIN, anything else a QR text."""
        digits = text.strip()
        fmt = {8: "EAN8", 12: "UPCA", 13: "EAN13"}.get(len(digits), "QR")
        code = normalise(fmt, digits) if digits.isdigit() else Code("QR", digits)
        return self.submit(code or Code("QR", digits), source, arrived)

    def submit(self, code: Code, source: str, arrived: float | None = None) -> dict[str, Any]:
        """Handle one debounced code; returns the screen update pushed to the pages.
        ``arrived`` is when the frame (or keystroke) that carried it arrived, unix seconds."""
        now = self.clock()
        arrived = now if arrived is None else arrived
        with self._lock:
            self.session.touch(now)
            token = pairing_token(code)
            update = self._pair(token, now) if token is not None else self._scan(code, source, now)
            self._sequence += 1
            update |= {"seq": self._sequence, "arrived_ms": arrived * 1000}
        self._push(update)
        return update

    def done(self) -> dict[str, Any]:
        """The shopper pressed "done": end the session and clear the screen."""
        with self._lock:
            self.session.end()
        update = {"view": "ended"}
        self._push(update)
        return update

    def tick(self) -> bool:
        """Call every second or so: ends an idle session and clears the screen."""
        with self._lock:
            ended = self.session.expire(self.clock())
        if ended:
            self._push({"view": "idle"})
        return ended

    # -- decisions ----------------------------------------------------------------------
    def _pair(self, token: str, now: float) -> dict[str, Any]:
        pairing = None if self.pairing is None else self.pairing(token)
        if pairing is None:
            return {"view": "pair_failed"}
        self.session.pair(pairing, now)
        return {"view": "paired"}

    def _scan(self, code: Code, source: str, now: float) -> dict[str, Any]:
        product = self.catalog.lookup(code)
        key = gtin_key(code)
        self._record(key, product is not None, source, now)
        if product is None:
            return {"view": "unknown", "code": code.text if key else ""}
        decision = Decision((), ())
        if self.suggest is not None:
            pairing = self.session.pairing
            # The recommender reads the history only under personal_recs (policy.plan).
            asker = Asker(pairing.purposes, pairing.history) if pairing else Asker()
            decision, self.session.visit = self.suggest.at(
                now, self.session.visit, Moment.SCAN, asker, scanned=product.gtin
            )
        return {
            "view": "product",
            "product": _card(product, decision, self.catalog, self.map_url),
            "paired": self.session.pairing is not None,  # a page opened later shows it too
        }

    def _record(self, key: str | None, known: bool, source: str, now: float) -> None:
        if self.sink is None:
            return
        data: dict[str, Any] = {"gtin": key, "known": known, "source": source}
        purpose = self.session.scan_purpose()
        pairing = self.session.pairing
        if purpose is not None and pairing is not None:
            event = ScanEvent("scan.personal", now, data, pairing.subject, purpose,
                              pairing.consent)  # fmt: skip
        else:
            event = ScanEvent("scan", now, data)
        self.sink(event)

    # -- push ---------------------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        """A queue of screen updates for one open page (call from its event loop)."""
        page: asyncio.Queue[dict[str, Any]] = asyncio.Queue(_QUEUE_DEPTH)
        with self._lock:
            self._pages.append((asyncio.get_running_loop(), page))
            # A page opened (or reloaded) after a read shows what the screen shows now: a
            # code held in view is debounced and would not be pushed again.
            if self._current is not None:
                page.put_nowait(self._current)
        return page

    def unsubscribe(self, page: asyncio.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._pages = [(loop, q) for loop, q in self._pages if q is not page]

    def _push(self, update: dict[str, Any]) -> None:
        with self._lock:
            self._current = update
            pages = list(self._pages)
        for loop, page in pages:
            try:
                loop.call_soon_threadsafe(_offer, page, update)
            except RuntimeError:  # that page's event loop has closed: it is gone
                self.unsubscribe(page)


def _offer(page: asyncio.Queue[dict[str, Any]], update: dict[str, Any]) -> None:
    if page.full():
        page.get_nowait()
    page.put_nowait(update)
