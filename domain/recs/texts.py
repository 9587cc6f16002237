"""The plain "why" of every suggestion, in the shopper's language.

English, German, Swedish, Dutch, Danish and Finnish: the languages of the research
behind the project. ``{anchor}`` is the name of the product the suggestion comes from.
Finnish puts the anchor after the word "tuote" so the name needs no case ending.
"""

from __future__ import annotations

import enum
from typing import Final

from domain.languages import language_of


class Reason(enum.StrEnum):
    """Why a suggestion is shown; each has one sentence per language."""

    TOGETHER = "together"  # related item: bought together with the scanned product
    HISTORY = "history"  # personal: from what the shopper scanned before (personal_recs)
    PICKUP = "pickup"  # goes with an item of the pickup order (pickup_offers)
    POPULAR = "popular"  # no anchor contributed: a store-wide best seller


_WHY: Final[dict[str, dict[Reason, str]]] = {
    "en": {
        Reason.TOGETHER: "Often bought together with {anchor}",
        Reason.HISTORY: "Because you scanned {anchor} here before",
        Reason.PICKUP: "Goes with {anchor} in your order",
        Reason.POPULAR: "Popular in this store",
    },
    "de": {
        Reason.TOGETHER: "Wird oft zusammen mit {anchor} gekauft",
        Reason.HISTORY: "Weil Sie hier schon {anchor} gescannt haben",
        Reason.PICKUP: "Passt zu {anchor} in Ihrer Bestellung",
        Reason.POPULAR: "Beliebt in diesem Markt",
    },
    "sv": {
        Reason.TOGETHER: "Köps ofta tillsammans med {anchor}",
        Reason.HISTORY: "Eftersom du har skannat {anchor} här tidigare",
        Reason.PICKUP: "Passar till {anchor} i din beställning",
        Reason.POPULAR: "Populär i den här butiken",
    },
    "nl": {
        Reason.TOGETHER: "Vaak samen gekocht met {anchor}",
        Reason.HISTORY: "Omdat u hier eerder {anchor} hebt gescand",
        Reason.PICKUP: "Past bij {anchor} in uw bestelling",
        Reason.POPULAR: "Populair in deze winkel",
    },
    "da": {
        Reason.TOGETHER: "Købes ofte sammen med {anchor}",
        Reason.HISTORY: "Fordi du har scannet {anchor} her før",
        Reason.PICKUP: "Passer til {anchor} i din ordre",
        Reason.POPULAR: "Populær i denne butik",
    },
    "fi": {
        Reason.TOGETHER: "Ostetaan usein yhdessä tuotteen {anchor} kanssa",
        Reason.HISTORY: "Koska olet lukenut täällä aiemmin tuotteen {anchor}",
        Reason.PICKUP: "Sopii tilauksesi tuotteen {anchor} kanssa",
        Reason.POPULAR: "Suosittu tässä myymälässä",
    },
}


def templates(language: str | None) -> dict[str, str]:
    """The sentences of ``language`` by reason, with ``{anchor}`` left in (for a page that
    switches language without asking the server)."""
    return {reason.value: text for reason, text in _WHY[language_of(language)].items()}


def why(reason: Reason, anchor_name: str | None, language: str | None) -> str:
    """One plain sentence saying why a suggestion is shown, in ``language``."""
    table = _WHY[language_of(language)]
    if anchor_name is None:
        return table[Reason.POPULAR]
    return table[reason].format(anchor=anchor_name)
