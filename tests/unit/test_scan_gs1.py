"""GS1 numbers, normalisation of decoder output, debounce and the keyboard wedge."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.catalog.gtin import (
    check_digit,
    expand_upce,
    gtin14,
    gtin_from_digital_link,
    is_valid_gtin,
    shortest_form,
)
from domain.catalog.symbols import Code, gtin_key, normalise, pairing_token
from edge.scan.debounce import Debouncer
from edge.scan.wedge import WedgeAssembler


def test_known_check_digits() -> None:
    assert check_digit("400638133393") == 1  # EAN-13 4006381333931
    assert check_digit("03600029145") == 2  # UPC-A 036000291452
    assert check_digit("9638507") == 4  # EAN-8 96385074
    assert is_valid_gtin("4006381333931")
    assert not is_valid_gtin("4006381333932")
    assert not is_valid_gtin("40063813339a1")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_a_single_changed_digit_is_always_caught(body: str) -> None:
    number = body + str(check_digit(body))
    for i in range(len(number)):
        wrong = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]
        assert not is_valid_gtin(wrong)


def test_upca_and_ean13_are_the_same_number_reported_as_upca() -> None:
    assert normalise("EAN13", "0036000291452") == Code("UPCA", "036000291452")
    assert normalise("UPC-A", "036000291452") == Code("UPCA", "036000291452")
    assert normalise("EAN_13", "4006381333931") == Code("EAN13", "4006381333931")
    assert gtin_key(Code("UPCA", "036000291452")) == gtin14("0036000291452")
    assert shortest_form("00036000291452") == "036000291452"
    assert shortest_form("00000096385074") == "96385074"


def test_wrong_check_digit_is_never_trusted() -> None:
    assert normalise("EAN13", "4006381333932") is None
    assert normalise("EAN8", "96385075") is None
    assert normalise("NOPE", "123") is None


def test_upce_expands_to_its_upca() -> None:
    assert expand_upce("04252614") == "042100005264"
    assert gtin_key(Code("UPCE", "04252614")) == "00042100005264"


def test_digital_link_qr_carries_a_gtin() -> None:
    assert gtin_from_digital_link("https://id.gs1.org/01/09506000134352") == "09506000134352"
    assert gtin_from_digital_link("https://shop.example/p/01/4006381333931/10/ABC") == (
        "04006381333931"
    )
    assert gtin_from_digital_link("https://id.gs1.org/01/09506000134353") is None
    assert gtin_from_digital_link("instore:pair:abc") is None


def test_pairing_qr_is_recognised() -> None:
    token = "Ab_9-" * 5
    assert pairing_token(Code("QR", f"instore:pair:{token}")) == token
    assert pairing_token(Code("QR", "instore:pair:short")) is None
    assert pairing_token(Code("EAN13", "4006381333931")) is None


def test_a_code_held_in_view_is_one_scan() -> None:
    debounce = Debouncer(gap_s=1.0)
    code = Code("EAN13", "4006381333931")
    assert debounce.feed([code], 0.0) == [code]
    assert debounce.feed([code], 0.5) == []
    assert debounce.feed([], 1.0) == []
    assert debounce.feed([code], 1.2) == []  # dropped out for 0.7 s: same scan
    assert debounce.feed([code], 3.0) == [code]  # away 1.8 s: a new scan


def test_wedge_tells_a_scanner_burst_from_typing() -> None:
    wedge = WedgeAssembler(max_gap_s=0.05)
    t = 0.0
    result = None
    for char in "4006381333931\n":
        result = wedge.key(char, t)
        t += 0.01
    assert result == "4006381333931"
    slow = [wedge.key(c, i * 0.3) for i, c in enumerate("4006381333931\n")]
    assert slow[-1] is None
