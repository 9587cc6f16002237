"""A deterministic demo catalog: the same seed gives the same products, so the camera
simulator, the maps helper's planogram and the recommender all agree on the GTINs."""

from __future__ import annotations

import random
from typing import Final

from domain.catalog.gtin import check_digit
from domain.catalog.products import Product

# (category, items, allergens that category's items may carry, price range in cents)
_CATEGORIES: Final[tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[int, int]], ...]] = (
    (
        "Dairy",
        ("Milk", "Yoghurt", "Butter", "Cheese", "Cream", "Skyr", "Kefir"),
        ("milk",),
        (79, 699),
    ),
    (
        "Bakery",
        ("Rye Bread", "Croissant", "Crispbread", "Cinnamon Bun", "Baguette"),
        ("gluten", "eggs", "milk", "sesame"),
        (99, 499),
    ),
    (
        "Pantry",
        ("Pasta", "Rice", "Oats", "Lentils", "Flour", "Honey", "Peanut Butter"),
        ("gluten", "peanuts"),
        (89, 799),
    ),
    (
        "Drinks",
        ("Apple Juice", "Sparkling Water", "Coffee", "Tea", "Oat Drink"),
        ("oats",),
        (59, 1299),
    ),
    (
        "Snacks",
        ("Dark Chocolate", "Crisps", "Mixed Nuts", "Liquorice", "Granola Bar"),
        ("nuts", "milk", "soya"),
        (99, 599),
    ),
    (
        "Household",
        ("Dish Soap", "Sponges", "Paper Towels", "Candles", "Batteries"),
        (),
        (149, 1999),
    ),
    (
        "Frozen",
        ("Peas", "Fish Fingers", "Berries", "Pizza", "Ice Cream"),
        ("fish", "gluten", "milk"),
        (149, 899),
    ),
)
_ADJECTIVES: Final = ("Organic", "Classic", "Nordic", "Family", "Light", "Fresh", "Premium", "")
_BRANDS: Final = ("Fjord", "Polder", "Alpen", "Sisu", "Hygge", "Lagom", "Molen", "Tundra")
# GS1 company prefixes of the project's six countries (DE, SE, NL, DK, FI) + US/CA for UPC-A.
_EAN13_PREFIXES: Final = ("400", "401", "73", "87", "57", "64")
_AISLES: Final = 8


def _ean13(rng: random.Random) -> str:
    prefix = rng.choice(_EAN13_PREFIXES)
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(12 - len(prefix)))
    return body + str(check_digit(body))


def _upca(rng: random.Random) -> str:
    body = str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(10))
    return body + str(check_digit(body))


def _ean8(rng: random.Random) -> str:
    body = rng.choice(("400", "730", "870", "570", "640")) + "".join(
        str(rng.randrange(10)) for _ in range(4)
    )
    return body + str(check_digit(body))


def demo_catalog(seed: int = 7, size: int = 120) -> list[Product]:
    """``size`` products, deterministic for ``seed``: about 70 % EAN-13, 20 % UPC-A and
    10 % EAN-8 numbers, with names, one price, allergens, a shelf reference and stock."""
    rng = random.Random(seed)
    products: list[Product] = []
    seen: set[str] = set()
    while len(products) < size:
        roll = rng.random()
        number = _ean13(rng) if roll < 0.7 else _upca(rng) if roll < 0.9 else _ean8(rng)
        key = number.rjust(14, "0")
        if key in seen:
            continue
        seen.add(key)
        index = rng.randrange(len(_CATEGORIES))
        category, items, allergens, (low, high) = _CATEGORIES[index]
        item = rng.choice(items)
        name = " ".join(w for w in (rng.choice(_BRANDS), rng.choice(_ADJECTIVES), item) if w)
        carried = tuple(sorted(a for a in allergens if rng.random() < 0.5))
        aisle = index % _AISLES + 1
        products.append(
            Product(
                gtin=key,
                name=name,
                price_cents=rng.randrange(low, high + 1),
                description=f"{name}. {category}, from the demo catalog.",
                allergens=carried,
                shelf=f"A{aisle:02d}-B{rng.randrange(1, 7)}-S{rng.randrange(1, 6)}",
                stock=0 if rng.random() < 0.08 else rng.randrange(1, 60),
            )
        )
    return products
