"""The kiosk core without a browser: events, sessions, languages."""

from __future__ import annotations

from edge.kiosk.i18n import LANGUAGES, STRINGS, pick_language
from edge.kiosk.kiosk import Kiosk, ScanEvent
from edge.kiosk.session import Pairing
from edge.scan.catalog import Catalog, Product
from edge.scan.symbols import Code
from protocol.purposes import Purpose

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
    assert pick_language("sv", "de") == "sv"
    assert pick_language(None, "nl-NL,nl;q=0.9,en;q=0.5") == "nl"
    assert pick_language("xx", "ja") == "en"
