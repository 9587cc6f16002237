"""The product catalog a kiosk looks scans up in: one price for everyone, keyed by GTIN-14,
so a UPC-A, its EAN-13 and its GTIN-14 find the same product."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from domain.catalog.gtin import gtin14, is_valid_gtin, shortest_form
from domain.catalog.symbols import Code, gtin_key


@dataclass(frozen=True, slots=True)
class Product:
    """A product as the kiosk shows it. ``gtin`` is the 14-digit key; ``price_cents`` is the
    one shelf price every shopper pays (there is no per-shopper price, by design)."""

    gtin: str
    name: str
    price_cents: int
    currency: str = "EUR"
    description: str = ""
    allergens: tuple[str, ...] = ()
    shelf: str | None = None  # planogram reference, e.g. "A03-B2-S4"; the map resolves it
    stock: int = 0
    suggest: bool = True  # False: never suggested to anyone (alcohol, tobacco, medicines)

    def __post_init__(self) -> None:
        if len(self.gtin) != 14 or not is_valid_gtin(self.gtin):
            raise ValueError(f"gtin {self.gtin!r} is not a 14-digit GTIN with a valid check digit")
        if self.price_cents < 0:
            raise ValueError("price must not be negative")
        if not self.name.strip():
            raise ValueError("name must not be empty")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValueError(f"currency {self.currency!r} is not a 3-letter ISO 4217 code")

    @property
    def display_gtin(self) -> str:
        """The number as printed on the pack (UPC-A 12, EAN-13 13, EAN-8 8 digits)."""
        return shortest_form(self.gtin)


def product_key(text: str) -> str | None:
    """The GTIN-14 for a typed or scanned number of any GTIN length, else None."""
    digits = text.strip()
    return gtin14(digits) if is_valid_gtin(digits) else None


class Catalog:
    """Products by GTIN-14. Reads are plain dict look-ups; updates replace whole products."""

    def __init__(self, products: Iterable[Product] = ()) -> None:
        self._by_gtin: dict[str, Product] = {p.gtin: p for p in products}
        self.revision = 0  # goes up with every change, for readers that keep derived views

    def __len__(self) -> int:
        return len(self._by_gtin)

    def __iter__(self) -> Iterator[Product]:
        return iter(self._by_gtin.values())

    def __contains__(self, gtin: object) -> bool:
        return isinstance(gtin, str) and product_key(gtin) in self._by_gtin

    def get(self, gtin: str) -> Product | None:
        """The product for a GTIN of any length (8, 12, 13, 14 digits), else None."""
        key = product_key(gtin)
        return None if key is None else self._by_gtin.get(key)

    def lookup(self, code: Code) -> Product | None:
        """The product a scanned code stands for (EAN/UPC, GS1 Digital Link QR, GS1-128)."""
        key = gtin_key(code)
        return None if key is None else self._by_gtin.get(key)

    def put(self, product: Product) -> None:
        """Add a product or replace the one with the same GTIN."""
        self._by_gtin[product.gtin] = product
        self.revision += 1

    def withdraw(self, gtin: str) -> bool:
        """Remove a product; True if it was there."""
        key = product_key(gtin)
        self.revision += 1
        return key is not None and self._by_gtin.pop(key, None) is not None

    def replace_all(self, products: Iterable[Product]) -> None:
        """A full import: the catalog becomes exactly ``products``."""
        self._by_gtin = {p.gtin: p for p in products}
        self.revision += 1

    def update(self, gtin: str, **fields: object) -> Product:
        """Change some fields of an existing product (a delta: price, stock, ...)."""
        key = product_key(gtin)
        current = None if key is None else self._by_gtin.get(key)
        if current is None:
            raise KeyError(gtin)
        changed = replace(current, **fields)  # type: ignore[arg-type]
        self._by_gtin[changed.gtin] = changed
        self.revision += 1
        return changed
