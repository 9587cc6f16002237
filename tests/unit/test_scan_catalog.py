"""Catalog look-up by any equivalent GTIN, full imports and delta updates from feeds."""

from __future__ import annotations

import pytest

from domain.catalog.feed import FeedError, apply_delta, import_full
from domain.catalog.products import Catalog, Product
from domain.catalog.symbols import Code
from simulators.catalog import demo_catalog

CSV = """gtin,name,price,currency,allergens,shelf,stock
036000291452,Demo Cola,1.99,EUR,,A01-B1-S1,12
4006381333931,Demo Pen,2.50,EUR,,A02-B1-S1,3
96385074,Demo Rye,3.10,EUR,gluten;sesame,A03-B2-S1,0
"""


def test_any_equivalent_gtin_finds_the_product() -> None:
    catalog = Catalog()
    import_full(catalog, CSV, "csv")
    cola = catalog.get("036000291452")
    assert cola is not None
    assert cola.price_cents == 199
    assert catalog.get("0036000291452") == cola
    assert catalog.get("00036000291452") == cola
    assert catalog.lookup(Code("UPCA", "036000291452")) == cola
    assert catalog.lookup(Code("QR", "https://id.gs1.org/01/00036000291452")) == cola
    rye = catalog.get("96385074")
    assert rye is not None
    assert rye.allergens == ("gluten", "sesame")
    assert rye.display_gtin == "96385074"


def test_full_import_is_all_or_nothing_with_errors_per_line() -> None:
    catalog = Catalog([Product("04006381333931", "Old Pen", 100)])
    bad = CSV + "4006381333932,Broken,1.00,EUR,,,1\n123,NoName,,EUR,,,1\n"
    with pytest.raises(FeedError) as info:
        import_full(catalog, bad, "csv")
    lines = [(e.line, e.field) for e in info.value.errors]
    assert lines == [(5, "gtin"), (6, "gtin")]
    assert "line 5: gtin" in str(info.value)
    pen = catalog.get("4006381333931")
    assert pen is not None
    assert pen.name == "Old Pen"  # nothing changed


def test_delta_updates_price_stock_adds_and_withdraws() -> None:
    catalog = Catalog()
    import_full(catalog, CSV, "csv")
    delta = "\n".join(
        [
            '{"gtin": "036000291452", "price": "2.09", "stock": 40}',
            '{"gtin": "4006381333931", "action": "withdraw"}',
            '{"gtin": "5901234123457", "name": "New Jam", "price": 3.49}',
            '{"gtin": "5901234123458", "name": "Bad check digit", "price": 1}',
            '{"gtin": "96385074", "price": "1.999"}',
            '{"gtin": "5012345678900", "price": 1.00}',
        ]
    )
    report = apply_delta(catalog, delta, "json")
    assert (report.added, report.updated, report.withdrawn) == (1, 1, 1)
    assert [(e.line, e.field) for e in report.errors] == [(4, "gtin"), (5, "price"), (6, "name")]
    cola = catalog.get("036000291452")
    assert cola is not None
    assert (cola.price_cents, cola.stock) == (209, 40)
    assert catalog.get("4006381333931") is None
    assert catalog.get("5901234123457") is not None


def test_json_array_feed_and_demo_catalog_is_deterministic() -> None:
    assert demo_catalog(3) == demo_catalog(3)
    assert demo_catalog(3) != demo_catalog(4)
    products = demo_catalog(3, size=40)
    assert len({p.gtin for p in products}) == 40
    catalog = Catalog()
    feed = '{"products": [{"gtin": "4006381333931", "name": "Pen", "price_cents": 250,'
    feed += ' "allergens": ["Milk"]}]}'
    report = import_full(catalog, feed, "json")
    assert report.added == 1
    pen = catalog.get("4006381333931")
    assert pen is not None
    assert pen.allergens == ("milk",)


def test_feeds_mark_items_never_suggested_and_every_change_moves_the_revision() -> None:
    catalog = Catalog()
    start = catalog.revision
    feed = (
        '[{"gtin": "4006381333931", "name": "Red wine", "price": 5, "suggest": "no"},'
        ' {"gtin": "036000291452", "name": "Cola", "price": 1}]'
    )
    import_full(catalog, feed, "json")
    wine, cola = catalog.get("4006381333931"), catalog.get("036000291452")
    assert wine is not None
    assert cola is not None
    assert (wine.suggest, cola.suggest) == (False, True)
    assert catalog.revision > start
    seen = catalog.revision
    report = apply_delta(catalog, '{"gtin": "036000291452", "suggest": "maybe"}', "json")
    assert [e.field for e in report.errors] == ["suggest"]
    apply_delta(catalog, '{"gtin": "036000291452", "stock": 3}', "json")
    assert catalog.revision > seen
