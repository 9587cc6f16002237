"""Features instore does not have, by design, and the sentence a config that asks for one gets.

These are not switches that default to off: there is no code for them. A config that
names one anywhere (as a key, or as a value in a list of features) is rejected, so
nobody can believe a store has one switched off when it could be switched on.
"""

from __future__ import annotations

import re
from typing import Final

_FACES: Final = (
    "face recognition and face detection are not supported by design: instore never looks "
    "for faces, camera frames are only read for product codes and never leave memory"
)
_NAMES: Final = (
    "greeting shoppers by name is not supported by design: no screen ever identifies a "
    "shopper by name"
)
_PRICES: Final = (
    "per-shopper prices are not supported by design: every promotion is the same for "
    "everyone, one price for all"
)
_REMARKETING: Final = (
    "remarketing is not supported by design: nothing a shopper does in the store follows "
    "them outside it"
)

NOT_SUPPORTED: Final[dict[str, str]] = {
    "face_recognition": _FACES,
    "facial_recognition": _FACES,
    "face_detection": _FACES,
    "face_id": _FACES,
    "greet_by_name": _NAMES,
    "name_greeting": _NAMES,
    "greeting_by_name": _NAMES,
    "personal_pricing": _PRICES,
    "per_shopper_price": _PRICES,
    "per_shopper_prices": _PRICES,
    "personalized_pricing": _PRICES,
    "personalised_pricing": _PRICES,
    "remarketing": _REMARKETING,
    "retargeting": _REMARKETING,
}

_SEPARATORS: Final = re.compile(r"[\s\-.]+")


def not_supported_reason(word: str) -> str | None:
    """The sentence for ``word`` if it names a feature excluded by design, else None.

    Spelling is forgiving: ``Face-Recognition`` and ``face recognition`` match too."""
    key = _SEPARATORS.sub("_", word.strip().lower())
    return NOT_SUPPORTED.get(key)
