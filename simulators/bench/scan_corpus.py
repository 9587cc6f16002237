"""The scan benchmark's corpus: camera-like frames described by specs, rendered on demand.

A corpus is deterministic for its seed. About a third of its frames hold no code at all
(shelves, hands, price stripes that look like bars), so false decodes are measured where
they happen; the rest hold one or two of EAN-13, EAN-8, UPC-A and QR (GS1 Digital Link
or a phone's pairing code), at 720p and 1080p.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Final

from domain.catalog.gtin import shortest_form
from domain.catalog.products import Product
from domain.catalog.symbols import PAIRING_PREFIX, Code
from simulators.camera import RESOLUTIONS, FrameSpec, random_spec

EMPTY_SHARE: Final = 0.32  # >= 300 of 1,000 frames with no code (issue 5)
TWO_CODES_SHARE: Final = 0.1
QR_SHARE: Final = 0.2
PAIRING_SHARE_OF_QR: Final = 0.3


@dataclass(frozen=True, slots=True)
class Sample:
    """One frame of the corpus and the codes it truly holds."""

    spec: FrameSpec
    truth: frozenset[Code]


def retail_code(product: Product) -> Code:
    """The linear code printed on a product's pack, as the decoder must report it."""
    text = shortest_form(product.gtin)
    return Code({8: "EAN8", 12: "UPCA", 13: "EAN13"}[len(text)], text)


def _pairing_text(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return PAIRING_PREFIX + "".join(rng.choice(alphabet) for _ in range(22))


def _code(rng: random.Random, catalog: list[Product]) -> Code:
    product = rng.choice(catalog)
    if rng.random() >= QR_SHARE:
        return retail_code(product)
    if rng.random() < PAIRING_SHARE_OF_QR:
        return Code("QR", _pairing_text(rng))
    return Code("QR", f"https://id.gs1.org/01/{product.gtin}")


def make_corpus(seed: int, frames: int, catalog: list[Product]) -> list[Sample]:
    """``frames`` samples; ``EMPTY_SHARE`` of them (rounded up) without a code."""
    rng = random.Random(seed)
    empty = -(-frames * int(EMPTY_SHARE * 100) // 100)
    kinds = [0] * empty + [1] * (frames - empty)
    rng.shuffle(kinds)
    samples = []
    for kind in kinds:
        codes: list[Code] = []
        if kind:
            codes.append(_code(rng, catalog))
            if rng.random() < TWO_CODES_SHARE:
                second = _code(rng, catalog)
                if second != codes[0]:
                    codes.append(second)
        size = RESOLUTIONS[rng.randrange(len(RESOLUTIONS))]
        samples.append(Sample(random_spec(rng, codes, size), frozenset(codes)))
    return samples


def fresh_seed() -> int:
    """A seed nobody has tuned for (``--seed random``)."""
    return secrets.randbelow(2**31)
