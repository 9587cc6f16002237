"""Catalog feeds from a POS or ERP export: CSV (header row) or JSON (an array, an object with
``products``, or JSON lines), as a full import or as delta updates.

Fields: ``gtin`` (8/12/13/14 digits, check digit verified), ``name``, ``price`` (decimal,
e.g. ``1.99``) or ``price_cents``, ``currency``, ``description``, ``allergens`` (``;``
separated in CSV, a list in JSON), ``shelf``, ``stock``, ``suggest`` (``false``/``no``/``0``:
never suggested, e.g. alcohol, tobacco, medicines), and in a delta ``action``:
``upsert`` (default; new product, or changed fields of an existing one) or ``withdraw``.

A full import is all or nothing: a feed with any bad line changes nothing, since a half
import would make products vanish from the kiosk. A delta applies its good lines and
reports each bad one by line number, field and reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

import orjson

from domain.catalog.products import Catalog, Product, product_key
from domain.errors import InputError


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass(slots=True)
class ImportReport:
    added: int = 0
    updated: int = 0
    withdrawn: int = 0
    errors: list[LineError] = field(default_factory=list)


class FeedError(InputError):
    """A feed could not be imported; ``errors`` says where and why."""

    def __init__(self, errors: list[LineError]) -> None:
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"feed rejected: {shown}{more}")
        self.errors = errors


def parse_feed(text: str, kind: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, record) pairs from a ``csv`` or ``json`` feed."""
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(text))
        return [(reader.line_num, dict(row)) for row in reader]
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")) and not _is_json_lines(stripped):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise FeedError([LineError(0, "json", str(exc))]) from exc
        # An object is a feed with "products", or the one record of a one-line delta.
        items = data.get("products", [data]) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise FeedError([LineError(0, "json", "expected a list of products")])
        return [(i + 1, r if isinstance(r, dict) else {"_": r}) for i, r in enumerate(items)]
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise FeedError([LineError(number, "json", str(exc))]) from exc
        records.append((number, record if isinstance(record, dict) else {"_": record}))
    return records


def _is_json_lines(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    try:
        return isinstance(orjson.loads(first), dict) and "\n" in text.strip()
    except orjson.JSONDecodeError:
        return False


def _price_cents(record: dict[str, Any]) -> int | None:
    if record.get("price_cents") not in (None, ""):
        return int(record["price_cents"])
    if record.get("price") in (None, ""):
        return None
    try:
        cents = Decimal(str(record["price"])) * 100
    except InvalidOperation as exc:
        raise ValueError(f"{record['price']!r} is not a price") from exc
    if cents != cents.to_integral_value():
        raise ValueError(f"{record['price']!r} has more than two decimals")
    return int(cents)


def _allergens(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(";")
    return tuple(sorted({str(a).strip().lower() for a in items if str(a).strip()}))


def _changes(record: dict[str, Any]) -> dict[str, Any]:
    """The product fields present in ``record``, converted; raises (field, message)."""
    changes: dict[str, Any] = {}
    for name, convert in (
        ("price", _price_cents),
        ("stock", lambda r: None if r.get("stock") in (None, "") else int(r["stock"])),
    ):
        try:
            value = convert(record)
        except (ValueError, TypeError) as exc:
            raise _FieldError(name, str(exc)) from exc
        if value is not None:
            changes["price_cents" if name == "price" else name] = value
    for name in ("name", "currency", "description", "shelf"):
        if record.get(name) not in (None, ""):
            changes[name] = str(record[name]).strip()
    if "allergens" in record:
        changes["allergens"] = _allergens(record["allergens"])
    if record.get("suggest") not in (None, ""):
        changes["suggest"] = _flag("suggest", record["suggest"])
    if changes.get("stock", 0) < 0:
        raise _FieldError("stock", "must not be negative")
    return changes


_TRUE: Final = frozenset({"true", "yes", "1"})
_FALSE: Final = frozenset({"false", "no", "0"})


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise _FieldError(name, f"{value!r} is not true/false, yes/no or 1/0")


class _FieldError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.field = name


def _product(key: str, changes: dict[str, Any]) -> Product:
    if "name" not in changes:
        raise _FieldError("name", "a new product needs a name")
    if "price_cents" not in changes:
        raise _FieldError("price", "a new product needs a price")
    try:
        return Product(gtin=key, **changes)
    except ValueError as exc:
        raise _FieldError("product", str(exc)) from exc


def import_full(catalog: Catalog, text: str, kind: str) -> ImportReport:
    """Replace the whole catalog with the feed, or change nothing and raise FeedError."""
    report = ImportReport()
    products: dict[str, Product] = {}
    for line, record in parse_feed(text, kind):
        key = product_key(str(record.get("gtin", "")))
        if key is None:
            report.errors.append(LineError(line, "gtin", "not a GTIN with a valid check digit"))
            continue
        if key in products:
            report.errors.append(LineError(line, "gtin", "appears twice in the feed"))
            continue
        try:
            products[key] = _product(key, _changes(record))
        except _FieldError as exc:
            report.errors.append(LineError(line, exc.field, str(exc)))
    if report.errors:
        raise FeedError(report.errors)
    report.added = sum(1 for k in products if k not in catalog)
    report.updated = len(products) - report.added
    report.withdrawn = sum(1 for p in catalog if p.gtin not in products)
    catalog.replace_all(products.values())
    return report


def apply_delta(catalog: Catalog, text: str, kind: str) -> ImportReport:
    """Apply each good line (upsert or withdraw); bad lines are reported, not applied."""
    report = ImportReport()
    for line, record in parse_feed(text, kind):
        key = product_key(str(record.get("gtin", "")))
        if key is None:
            report.errors.append(LineError(line, "gtin", "not a GTIN with a valid check digit"))
            continue
        action = str(record.get("action") or "upsert").strip().lower()
        if action == "withdraw":
            if catalog.withdraw(key):
                report.withdrawn += 1
            else:
                report.errors.append(LineError(line, "gtin", "no such product to withdraw"))
            continue
        if action != "upsert":
            report.errors.append(LineError(line, "action", f"{action!r} is not upsert/withdraw"))
            continue
        try:
            changes = _changes(record)
            if catalog.get(key) is None:
                catalog.put(_product(key, changes))
                report.added += 1
            else:
                try:
                    catalog.update(key, **changes)
                except ValueError as exc:
                    raise _FieldError("product", str(exc)) from exc
                report.updated += 1
        except _FieldError as exc:
            report.errors.append(LineError(line, exc.field, str(exc)))
    return report


def load_feed_file(path: Path) -> tuple[str, str]:
    """(text, kind) of a feed file; the kind is taken from its suffix."""
    kind = "csv" if path.suffix.lower() == ".csv" else "json"
    try:
        return path.read_text(encoding="utf-8-sig"), kind
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read feed {path}: {exc}") from exc


def read_catalog(path: Path) -> Catalog:
    """The catalog of a feed file, imported whole (all or nothing)."""
    catalog = Catalog()
    text, kind = load_feed_file(path)
    import_full(catalog, text, kind)
    return catalog
