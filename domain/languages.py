"""The languages shoppers read, and how a page picks one.

English, German, Swedish, Dutch, Danish and Finnish: the languages of the consumer
research behind the project. Every text table (kiosk, consent center, map, the "why" of
a suggestion) has exactly these, which the tests check.
"""

from __future__ import annotations

import enum
from typing import Final


class Language(enum.StrEnum):
    """A language code, as configs name it (a ``str``: ``Language.DE == "de"``)."""

    EN = "en"
    DE = "de"
    SV = "sv"
    NL = "nl"
    DA = "da"
    FI = "fi"


LANGUAGES: Final[tuple[str, ...]] = tuple(lang.value for lang in Language)
DEFAULT_LANGUAGE: Final = Language.EN.value
LANGUAGE_NAMES: Final = {  # each in its own words, for a language picker
    "en": "English",
    "de": "Deutsch",
    "sv": "Svenska",
    "nl": "Nederlands",
    "da": "Dansk",
    "fi": "Suomi",
}


def language_of(tag: str | None) -> str:
    """The supported language of a BCP 47 tag or code ("de-AT" -> "de"), or of the first
    supported entry of an Accept-Language list; English otherwise."""
    for part in (tag or "").replace(";", ",").split(","):
        primary = part.strip().replace("_", "-").split("-", 1)[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def pick_language(requested: str | None, accept_language: str | None) -> str:
    """A page's language: the explicit choice (``?lang=``, a cookie) if we speak it, else
    the first of the browser's Accept-Language we speak, else English."""
    if requested in LANGUAGES:
        return requested
    return language_of(accept_language)
