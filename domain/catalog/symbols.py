"""What a decoder read, in the project's own names, after GS1 checks.

Every decoder (zxing-cpp, OpenCV) hands its raw format name and text to :func:`normalise`,
which returns a :class:`Code` or None. None means "do not trust this read": a retail code
whose check digit is wrong never reaches the catalog, so a misread cannot show the wrong
product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from domain.catalog.gtin import expand_upce, gtin14, gtin_from_digital_link, is_valid_gtin

FORMATS: Final = (
    "EAN13",
    "EAN8",
    "UPCA",
    "UPCE",
    "CODE128",
    "CODE39",
    "QR",
    "DATAMATRIX",
    "ITF",
)

# Raw names as zxing-cpp (str(BarcodeFormat) without the class) and OpenCV give them.
_ALIASES: Final[dict[str, str]] = {
    "EAN13": "EAN13",
    "EAN-13": "EAN13",
    "EAN_13": "EAN13",
    "EAN8": "EAN8",
    "EAN-8": "EAN8",
    "EAN_8": "EAN8",
    "UPCA": "UPCA",
    "UPC-A": "UPCA",
    "UPC_A": "UPCA",
    "UPCE": "UPCE",
    "UPC-E": "UPCE",
    "UPC_E": "UPCE",
    "CODE128": "CODE128",
    "CODE-128": "CODE128",
    "CODE39": "CODE39",
    "CODE-39": "CODE39",
    "QRCODE": "QR",
    "QR": "QR",
    "QR-CODE": "QR",
    "QR_CODE": "QR",
    "DATAMATRIX": "DATAMATRIX",
    "ITF": "ITF",
}

PAIRING_PREFIX: Final = "instore:pair:"
# Tokens are URL-safe base64 from the hub; 16..128 characters bounds a 96..768-bit secret.
_PAIRING_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{16,128}")
# zxing-cpp's HRI text for a GS1-128 carries "(01)" then 14 digits.
_GS1_AI_01: Final = re.compile(r"^\(01\)(\d{14})")


@dataclass(frozen=True, slots=True)
class Code:
    """One code as read: a format from :data:`FORMATS` and its text (UPC-A as 12 digits)."""

    format: str
    text: str


def normalise(raw_format: str, text: str) -> Code | None:  # noqa: PLR0911 - one exit a rule
    """The :class:`Code` for a raw decoder result, or None when it fails GS1 checks."""
    fmt = _ALIASES.get(raw_format.upper().replace(" ", ""))
    if fmt is None or not text:
        return None
    if fmt in ("EAN13", "UPCA"):
        digits = text[1:] if len(text) == 13 and text[0] == "0" else text
        if len(digits) == 12 and is_valid_gtin(digits):
            return Code("UPCA", digits)
        if len(text) == 13 and is_valid_gtin(text):
            return Code("EAN13", text)
        return None
    if fmt == "EAN8":
        return Code("EAN8", text) if len(text) == 8 and is_valid_gtin(text) else None
    if fmt == "UPCE":
        try:
            expand_upce(text)
        except ValueError:
            return None
        return Code("UPCE", text)
    return Code(fmt, text)


def gtin_key(code: Code) -> str | None:
    """The GTIN-14 a code stands for, or None when it carries no product number."""
    if code.format in ("EAN13", "UPCA", "EAN8"):
        return gtin14(code.text)
    if code.format == "UPCE":
        return gtin14(expand_upce(code.text))
    if code.format == "QR":
        return gtin_from_digital_link(code.text)
    if code.format == "ITF" and len(code.text) == 14 and is_valid_gtin(code.text):
        return code.text
    if code.format in ("CODE128", "DATAMATRIX"):
        match = _GS1_AI_01.match(code.text)
        if match and is_valid_gtin(match.group(1)):
            return match.group(1)
    return None


def pairing_token(code: Code) -> str | None:
    """The one-time token of a phone's pairing QR (``instore:pair:<token>``), else None."""
    if code.format != "QR" or not code.text.startswith(PAIRING_PREFIX):
        return None
    token = code.text[len(PAIRING_PREFIX) :]
    return token if _PAIRING_TOKEN.fullmatch(token) else None
