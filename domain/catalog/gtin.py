"""GS1 numbers: check digits, the one canonical form of a GTIN, UPC-E expansion, and the
GS1 Digital Link URIs that QR codes on new packaging carry.

A GTIN can be printed as UPC-A (12 digits), EAN-13 (13), EAN-8 (8) or inside a GTIN-14;
the same product keeps the same number in each, padded with leading zeros. Everything in
the catalog is keyed by the 14-digit form; shoppers and reports see the shortest form the
number has (a UPC-A stays 12 digits, as the proof commands say).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote, urlsplit

_GTIN_LENGTHS: Final = (8, 12, 13, 14)
# A Digital Link path carries the GTIN after the "01" application identifier; the
# specification allows 8, 12, 13 or 14 digits there, and any host name.
_DIGITAL_LINK_GTIN: Final = re.compile(r"(?:^|/)01/(\d{8}|\d{12,14})(?:/|$)")


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all digits but the last of a GTIN)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = ord(char) - 48
        total += digit * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(text: str) -> bool:
    """True when ``text`` is 8, 12, 13 or 14 digits whose last is the right check digit."""
    if len(text) not in _GTIN_LENGTHS or not text.isascii() or not text.isdigit():
        return False
    return check_digit(text[:-1]) == ord(text[-1]) - 48


def gtin14(text: str) -> str:
    """The 14-digit form of a valid GTIN (8, 12, 13 or 14 digits). Raises ValueError."""
    if not is_valid_gtin(text):
        raise ValueError(f"{text!r} is not a GTIN with a valid check digit")
    return text.rjust(14, "0")


def shortest_form(key: str) -> str:
    """The form a person expects to read: UPC-A (12) or EAN-13 for 12/13-digit numbers,
    EAN-8 for a GTIN-8 (six leading zeros), else the full GTIN-14."""
    if key.startswith("000000"):
        return key[6:]
    if key.startswith("00"):
        return key[2:]
    if key.startswith("0"):
        return key[1:]
    return key


def expand_upce(text: str) -> str:
    """The UPC-A (12 digits) that an 8-digit UPC-E stands for. Raises ValueError."""
    if len(text) != 8 or not text.isdigit() or text[0] not in "01":
        raise ValueError(f"{text!r} is not an 8-digit UPC-E")
    system, d, check = text[0], text[1:7], text[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    upca = system + body + check
    if not is_valid_gtin(upca):
        raise ValueError(f"{text!r} has a wrong check digit")
    return upca


def gtin_from_digital_link(uri: str) -> str | None:
    """The GTIN-14 in a GS1 Digital Link URI (``https://id.example/01/09506000134352``),
    or None when the text is not one or its GTIN's check digit is wrong."""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    match = _DIGITAL_LINK_GTIN.search(unquote(parts.path))
    if match is None:
        return None
    digits = match.group(1)
    return gtin14(digits) if is_valid_gtin(digits) else None
