"""The kiosk core without a browser: events, sessions, languages."""

from __future__ import annotations

import pytest

from domain.catalog.products import Catalog, Product
from domain.catalog.symbols import Code
from domain.languages import LANGUAGES
from edge.kiosk.i18n import STRINGS, strings_for
from edge.kiosk.kiosk import Kiosk, ScanEvent
from edge.kiosk.session import Pairing
from protocol.purposes import Purpose
from simulators.demo_shop import DemoShop, demo_shop

TOKEN = "t" * 22
COLA = Product("00036000291452", "Cola", 199)


def _kiosk(events: list[ScanEvent], now: list[float], purposes: set[Purpose]) -> Kiosk:
    pairing = Pairing("p-1", frozenset(purposes), "c-1")
    return Kiosk(
        Catalog([COLA]),
        events.append,
        pairing=lambda token: pairing if token == TOKEN else None,
        idle_timeout_s=60,
        clock=lambda: now[0],
    )


def test_scans_are_anonymous_unless_paired_with_consent() -> None:
    events: list[ScanEvent] = []
    now = [100.0]
    kiosk = _kiosk(events, now, {Purpose.ANALYTICS})
    update = kiosk.submit(Code("EAN13", "0036000291452"), "camera")
    assert update["view"] == "product"
    assert update["product"]["gtin"] == "036000291452"
    assert events[-1] == ScanEvent(
        "scan", 100.0, {"gtin": "00036000291452", "known": True, "source": "camera"}
    )
    assert kiosk.submit(Code("QR", f"instore:pair:{TOKEN}"), "camera")["view"] == "paired"
    kiosk.submit_text("036000291452", "scanner")
    assert events[-1].type == "scan.personal"
    assert (events[-1].subject, events[-1].purpose, events[-1].consent) == (
        "p-1",
        Purpose.ANALYTICS,
        "c-1",
    )
    now[0] += 61
    assert kiosk.tick()  # idle: the session ends
    kiosk.submit_text("036000291452", "scanner")
    assert events[-1].type == "scan"
    assert events[-1].subject is None


def test_pairing_without_a_scan_purpose_stays_anonymous_and_bad_tokens_fail() -> None:
    events: list[ScanEvent] = []
    kiosk = _kiosk(events, [0.0], {Purpose.PRESENCE})
    assert kiosk.submit(Code("QR", "instore:pair:" + "x" * 22), "camera")["view"] == "pair_failed"
    assert kiosk.submit(Code("QR", f"instore:pair:{TOKEN}"), "camera")["view"] == "paired"
    assert kiosk.submit(Code("EAN8", "96385074"), "camera")["view"] == "unknown"
    assert events[-1].type == "scan"
    assert events[-1].data == {"gtin": "00000096385074", "known": False, "source": "camera"}
    assert kiosk.done()["view"] == "ended"
    assert kiosk.session.pairing is None


def test_every_language_has_every_string() -> None:
    for language in LANGUAGES:
        assert STRINGS[language].keys() == STRINGS["en"].keys()
        whys = {k: v for k, v in strings_for(language).items() if k.startswith("why_")}
        assert set(whys) == {"why_together", "why_history", "why_pickup", "why_popular"}
        assert all("{anchor}" in v for k, v in whys.items() if k != "why_popular")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    return demo_shop(tmp_path_factory.mktemp("shop"))


def _personal_kiosk(shop: DemoShop, purposes: set[Purpose], history: list[str]) -> Kiosk:
    pairing = Pairing("p-1", frozenset(purposes), "c-1", tuple(history))
    return Kiosk(
        shop.catalog,
        pairing=lambda token: pairing if token == TOKEN else None,
        suggest=shop.recommender,
        clock=lambda: 1_800_000_000.0,
    )


def _on_shelf(shop: DemoShop) -> list[Product]:
    return [p for p in shop.products if p.stock > 0 and p.suggest]


def test_a_paired_shopper_who_opted_in_gets_one_suggestion_a_scan_three_a_visit(
    shop: DemoShop,
) -> None:
    shelf = _on_shelf(shop)
    kiosk = _personal_kiosk(shop, {Purpose.PERSONAL_RECS}, [p.gtin for p in shelf[40:48]])
    anonymous = kiosk.submit_text(shelf[0].display_gtin, "scanner")["product"]
    assert anonymous["related"]
    assert anonymous["personal"] == []
    kiosk.submit(Code("QR", f"instore:pair:{TOKEN}"), "camera")
    personal = [
        kiosk.submit_text(p.display_gtin, "scanner")["product"]["personal"] for p in shelf[:5]
    ]
    assert [len(p) for p in personal] == [1, 1, 1, 0, 0]  # one a scan, three a visit
    offered = [p[0] for p in personal[:3]]
    assert len({s["gtin"] for s in offered}) == 3  # never the same twice
    assert all(s["reason"] == "history" and s["anchor"] for s in offered)
    for s in offered:  # the one shelf price, as the catalog says
        assert s["price_cents"] == shop.catalog.get(s["gtin"]).price_cents  # type: ignore[union-attr]
    kiosk.done()
    kiosk.submit(Code("QR", f"instore:pair:{TOKEN}"), "camera")  # a new visit
    assert len(kiosk.submit_text(shelf[6].display_gtin, "scanner")["product"]["personal"]) == 1


def test_history_is_not_used_without_personal_recs(shop: DemoShop) -> None:
    shelf = _on_shelf(shop)
    kiosk = _personal_kiosk(shop, {Purpose.ANALYTICS}, [p.gtin for p in shelf[40:48]])
    kiosk.submit(Code("QR", f"instore:pair:{TOKEN}"), "camera")
    card = kiosk.submit_text(shelf[1].display_gtin, "scanner")["product"]
    assert card["related"]
    assert card["personal"] == []
