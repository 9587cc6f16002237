"""A simulated grocery catalog and the baskets bought from it, week by week.

The catalog has departments, categories, brands, three price tiers, item-level
complements (pasta and *that* brand's sauce) and substitutes (other items of the same
category). Shoppers belong to types with latent tastes (which categories, which price
tier), keep a few favourite categories and staple items of their own, and visit a few
times a month. Baskets hold at most one item per category (substitutes are seldom
bought together) and pull complements in. Some categories are seasonal, so the later
weeks differ a little from the earlier ones, as in a real store.

Everything is vectorised with numpy so 50,000 items and ~200,000 baskets take seconds.
The same seed gives the same catalog and the same baskets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from domain.catalog.gtin import check_digit, gtin14
from domain.recs.policy import Product
from domain.recs.service import ProductTable
from simulators.errors import SimError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

ITEMS_PER_CATEGORY: Final = 50  # a supermarket shelf section holds a few dozen variants
DEPARTMENTS: Final = 20  # dairy, bakery, produce, ...: the usual aisle signs
SHOPPER_TYPES: Final = 12  # families, students, gourmets, ...: a handful of segments
COMPLEMENTS_PER_ITEM: Final = 2
SUBSTITUTES_PER_ITEM: Final = 4
_TIER_AFFINITY: Final = np.array(  # shopper tier (row) x item tier (column): budget..premium
    [[1.0, 0.35, 0.1], [0.45, 1.0, 0.45], [0.1, 0.35, 1.0]]
)
_SOURCE_P: Final = (0.45, 0.35, 0.20)  # slot from: type taste, own favourites, own staples
_COMPLEMENT_P: Final = 0.3  # share of items that pull their complement into the basket
_MIN_ITEMS: Final = 20
_HEAD_WEIGHT: Final = 0.7  # Zipf exponent of the store-wide best sellers
_NOT_SUGGESTED: Final = frozenset({"beer", "wine"})  # age-restricted: never recommended
_FAVOURITES: Final = 8  # categories a shopper returns to beyond their type's taste
_STAPLES: Final = 10  # items a shopper buys again and again


class CatalogError(SimError):
    """The catalog or basket generator was asked for something it cannot make."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """Items as parallel arrays: index ``i`` is item ``i`` everywhere."""

    sku: tuple[str, ...]
    name: tuple[str, ...]
    department: IntArray
    category: IntArray
    brand: IntArray
    tier: IntArray  # 0 budget, 1 standard, 2 premium
    price_cents: IntArray  # the one price every shopper sees
    popularity: FloatArray  # relative weight inside the category
    in_stock: npt.NDArray[np.bool_]
    complements: IntArray  # (items, COMPLEMENTS_PER_ITEM)
    substitutes: IntArray  # (items, SUBSTITUTES_PER_ITEM)
    category_names: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.sku)


@dataclass(frozen=True, slots=True)
class Baskets:
    """Baskets as CSR: the items of basket ``b`` are ``items[offsets[b]:offsets[b+1]]``,
    in the order they were picked."""

    items: IntArray
    offsets: IntArray
    shopper: IntArray
    week: IntArray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def basket(self, b: int) -> IntArray:
        return self.items[self.offsets[b] : self.offsets[b + 1]]

    def select(self, mask: npt.NDArray[np.bool_]) -> Baskets:
        """The baskets where ``mask`` is true, in the same order."""
        sizes = np.diff(self.offsets)[mask]
        keep = np.repeat(mask, np.diff(self.offsets))
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return Baskets(self.items[keep], offsets, self.shopper[mask], self.week[mask])


@dataclass(frozen=True, slots=True)
class Store:
    catalog: Catalog
    baskets: Baskets
    weeks: int


_CATEGORY_WORDS: Final = [
    "milk",
    "yoghurt",
    "cheese",
    "butter",
    "bread",
    "rolls",
    "pasta",
    "sauce",
    "rice",
    "beans",
    "coffee",
    "tea",
    "juice",
    "soda",
    "water",
    "beer",
    "wine",
    "crisps",
    "biscuits",
    "chocolate",
    "cereal",
    "jam",
    "honey",
    "eggs",
    "apples",
    "bananas",
    "tomatoes",
    "salad",
    "onions",
    "potatoes",
    "chicken",
    "mince",
    "sausages",
    "salmon",
    "tuna",
    "soup",
    "spices",
    "oil",
    "vinegar",
    "flour",
    "sugar",
    "nappies",
    "shampoo",
    "soap",
    "detergent",
    "candles",
    "napkins",
]
_BRAND_WORDS: Final = [
    "Nordic",
    "Alpen",
    "Sunny",
    "Green",
    "Valley",
    "Harbour",
    "Oak",
    "Birch",
    "Coastal",
    "Meadow",
    "Polar",
    "Golden",
    "Royal",
    "Urban",
    "Fjord",
    "Lake",
    "River",
    "Hill",
    "Field",
    "Forest",
]


def make_catalog(n_items: int, rng: np.random.Generator) -> Catalog:
    """A catalog of ``n_items`` items with categories, brands, tiers, one price each,
    complements and substitutes."""
    if n_items < _MIN_ITEMS:
        raise CatalogError(f"a catalog needs at least {_MIN_ITEMS} items, not {n_items}")
    n_cat = max(4, n_items // ITEMS_PER_CATEGORY)
    cat_dept = rng.integers(0, DEPARTMENTS, n_cat)
    # every category gets at least two items; the rest fall where shelves are bigger
    category = np.concatenate(
        [np.repeat(np.arange(n_cat), 2), rng.integers(0, n_cat, n_items - 2 * n_cat)]
        if n_items >= 2 * n_cat
        else [rng.integers(0, n_cat, n_items)]
    )
    category = np.sort(category)  # items of a category are contiguous: cheap sampling
    department = cat_dept[category]
    # brands live in departments: ~8 per department in a small store, more in a big one
    brands_per_dept = max(3, n_items // 400)
    brand = department * brands_per_dept + rng.integers(0, brands_per_dept, n_items)
    tier = rng.choice(3, n_items, p=[0.3, 0.5, 0.2])
    base = np.exp(rng.normal(1.0, 0.6, n_cat))[category]  # euros, per category
    price = np.round(base * (0.7 + 0.45 * tier) * np.exp(rng.normal(0, 0.1, n_items)) * 100)
    popularity = rng.pareto(1.2, n_items) + 0.05  # long tail inside every category
    in_stock = rng.random(n_items) > 0.02
    starts = np.searchsorted(category, np.arange(n_cat))
    ends = np.searchsorted(category, np.arange(n_cat), side="right")
    complements = _complements(category, brand, popularity, starts, ends, rng)
    substitutes = _substitutes(category, starts, ends, rng)
    words = [_CATEGORY_WORDS[c % len(_CATEGORY_WORDS)] for c in range(n_cat)]
    cat_names = tuple(f"{w} {c // len(_CATEGORY_WORDS) + 1}" for c, w in enumerate(words))
    brand_names = [
        f"{_BRAND_WORDS[b % len(_BRAND_WORDS)]}{b // len(_BRAND_WORDS) or ''}"
        for b in range(int(brand.max()) + 1)
    ]
    names = tuple(
        f"{brand_names[b]} {cat_names[c]} #{i}"
        for i, (b, c) in enumerate(zip(brand.tolist(), category.tolist(), strict=True))
    )
    return Catalog(
        sku=tuple(item_gtin(i) for i in range(n_items)),
        name=names,
        department=department.astype(np.int64),
        category=category.astype(np.int64),
        brand=brand.astype(np.int64),
        tier=tier.astype(np.int64),
        price_cents=price.astype(np.int64),
        popularity=popularity,
        in_stock=in_stock,
        complements=complements,
        substitutes=substitutes,
        category_names=cat_names,
    )


def _complements(  # noqa: PLR0917 -- private, called once with arrays made together
    category: IntArray,
    brand: IntArray,
    popularity: FloatArray,
    starts: IntArray,
    ends: IntArray,
    rng: np.random.Generator,
) -> IntArray:
    """Each category goes with two others (pasta: sauce, cheese); each item's complements
    are items of those categories, the same brand's when it makes one."""
    n_cat = len(starts)
    n_items = len(category)
    cat_partner = rng.integers(0, n_cat, (n_cat, COMPLEMENTS_PER_ITEM))
    same = cat_partner == np.arange(n_cat)[:, None]
    cat_partner[same] = (cat_partner[same] + 1) % n_cat
    out = np.empty((n_items, COMPLEMENTS_PER_ITEM), dtype=np.int64)
    for k in range(COMPLEMENTS_PER_ITEM):
        pc = cat_partner[category, k]
        lo, hi = starts[pc], ends[pc]
        # two draws by popularity, keep the same-brand one when there is one
        a = lo + (rng.random(n_items) * (hi - lo)).astype(np.int64)
        b = lo + (rng.random(n_items) * (hi - lo)).astype(np.int64)
        pick = np.where(popularity[a] >= popularity[b], a, b)
        out[:, k] = np.where(brand[b] == brand, b, np.where(brand[a] == brand, a, pick))
    return out


def _substitutes(
    category: IntArray, starts: IntArray, ends: IntArray, rng: np.random.Generator
) -> IntArray:
    """Other items of the same category (random ones; the item itself if it is alone)."""
    lo, hi = starts[category], ends[category]
    n = len(category)
    spread = rng.random((n, SUBSTITUTES_PER_ITEM)) * (hi - lo)[:, None]
    return lo[:, None] + spread.astype(np.int64)


def make_store(
    n_items: int,
    *,
    seed: int,
    shoppers: int | None = None,
    weeks: int = 8,
    basket_mean: float = 9.0,
) -> Store:
    """A catalog and ``weeks`` weeks of baskets from typed shoppers with latent tastes.

    ``shoppers`` defaults to three fifths of the item count (30,000 for 50,000 items),
    which gives ~25,000 baskets a week. The result is the same for the same arguments.
    """
    if weeks < 2:
        raise CatalogError("baskets need at least two weeks: one to train on, one to test")
    if seed < 0:
        raise CatalogError(f"the generator seed must be 0 or more, not {seed}")
    rng = np.random.default_rng(seed)
    cat = make_catalog(n_items, rng)
    n_shop = shoppers if shoppers is not None else max(200, (n_items * 3) // 5)
    picker = _ItemPicker(cat, rng)
    taste = _type_tastes(cat, weeks, rng)
    people = _Shoppers.make(n_shop, taste, picker, rng)

    visits = rng.poisson(np.broadcast_to(people.rate, (weeks, n_shop)))
    b_week = np.repeat(np.repeat(np.arange(weeks), n_shop), visits.ravel())
    b_shop = np.repeat(np.tile(np.arange(n_shop), weeks), visits.ravel())
    size = 1 + rng.poisson(basket_mean - 1, len(b_week))
    slot_b = np.repeat(np.arange(len(b_week)), size)
    slot_s = b_shop[slot_b]
    src = rng.choice(3, len(slot_b), p=_SOURCE_P)
    cats = np.empty(len(slot_b), dtype=np.int64)
    m0 = src == 0
    rows = b_week[slot_b[m0]] * SHOPPER_TYPES + people.type[slot_s[m0]]
    cats[m0] = _sample_cats(taste, rows, rng)
    m1 = src == 1
    cats[m1] = people.favourites[slot_s[m1], rng.integers(0, _FAVOURITES, int(m1.sum()))]
    items = np.empty(len(slot_b), dtype=np.int64)
    m2 = src == 2
    items[~m2] = picker.pick(cats[~m2], people.tier[slot_s[~m2]])
    items[m2] = people.staples[slot_s[m2], rng.integers(0, _STAPLES, int(m2.sum()))]
    baskets = _pack(cat, slot_b, items, len(b_week), rng)
    return Store(cat, Baskets(baskets[0], baskets[1], b_shop, b_week), weeks)


class _ItemPicker:
    """Item choice inside a category: popularity times the shopper tier's liking."""

    def __init__(self, cat: Catalog, rng: np.random.Generator) -> None:
        n_cat = len(cat.category_names)
        self._starts = np.searchsorted(cat.category, np.arange(n_cat))
        self._ends = np.searchsorted(cat.category, np.arange(n_cat), side="right")
        self._cum = np.zeros((3, cat.size + 1))
        for t in range(3):
            np.cumsum(cat.popularity * _TIER_AFFINITY[t, cat.tier], out=self._cum[t, 1:])
        self._rng = rng

    def pick(self, cats: IntArray, tiers: IntArray) -> IntArray:
        lo = self._cum[tiers, self._starts[cats]]
        hi = self._cum[tiers, self._ends[cats]]
        u = lo + self._rng.random(len(cats)) * (hi - lo)
        idx = np.empty(len(cats), dtype=np.int64)
        for t in range(3):
            m = tiers == t
            idx[m] = np.searchsorted(self._cum[t], u[m], side="right") - 1
        return np.clip(idx, self._starts[cats], self._ends[cats] - 1)


def _type_tastes(cat: Catalog, weeks: int, rng: np.random.Generator) -> FloatArray:
    """Cumulative category probabilities, one row per (week, shopper type)."""
    n_cat = len(cat.category_names)
    # each type likes a few departments and, inside them, some categories...
    dept_pref = rng.dirichlet(np.full(DEPARTMENTS, 0.3), SHOPPER_TYPES)
    # ...on top of what everyone buys: milk and bread sell to every type (Zipf head)
    head = -_HEAD_WEIGHT * np.log1p(rng.permutation(n_cat))
    cat_logit = (
        np.log(dept_pref[:, _cat_dept(cat, n_cat)] + 1e-9)
        + rng.normal(0, 1.0, (SHOPPER_TYPES, n_cat))
        + head[None, :]
    )
    seasonal = rng.random(n_cat) < 0.1  # barbecue, hot chocolate: a tenth of the shelves
    phase = rng.random(n_cat) * 2 * np.pi
    week_boost = np.where(
        seasonal[None, :],
        0.8 * np.sin(2 * np.pi * np.arange(weeks)[:, None] / (2 * weeks) + phase[None, :]),
        0.0,
    )  # (weeks, categories): half a cycle over the period
    w = np.exp(cat_logit[None, :, :] + week_boost[:, None, :])
    cum = np.cumsum(w / w.sum(axis=2, keepdims=True), axis=2)
    cum[:, :, -1] = 1.0
    return cum.reshape(weeks * SHOPPER_TYPES, n_cat)


@dataclass(frozen=True, slots=True)
class _Shoppers:
    type: IntArray
    tier: IntArray
    favourites: IntArray  # (shoppers, _FAVOURITES) categories
    staples: IntArray  # (shoppers, _STAPLES) items they buy again and again
    rate: FloatArray  # visits a week

    @classmethod
    def make(
        cls, n: int, taste: FloatArray, picker: _ItemPicker, rng: np.random.Generator
    ) -> _Shoppers:
        stype = rng.integers(0, SHOPPER_TYPES, n)
        stier = rng.choice(3, n, p=[0.35, 0.45, 0.2])
        fav = _sample_cats(taste, np.repeat(stype, _FAVOURITES), rng).reshape(n, _FAVOURITES)
        staple_cats = fav[np.arange(n)[:, None], rng.integers(0, _FAVOURITES, (n, _STAPLES))]
        staples = picker.pick(staple_cats.ravel(), np.repeat(stier, _STAPLES)).reshape(n, _STAPLES)
        rate = rng.gamma(2.0, 0.45, n)  # most weekly, some rarely, a few almost daily
        return cls(stype, stier, fav, staples, rate)


def _pack(
    cat: Catalog, slot_b: IntArray, items: IntArray, n_b: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Add complements, keep one item per category per basket, shuffle into pick order;
    return (items, offsets) as CSR."""
    pull = rng.random(len(items)) < _COMPLEMENT_P
    comp = cat.complements[items[pull], rng.integers(0, COMPLEMENTS_PER_ITEM, int(pull.sum()))]
    all_b = np.concatenate([slot_b, slot_b[pull]])
    all_i = np.concatenate([items, comp])
    order_key = rng.random(len(all_i))  # the order they were picked (and scanned)
    # one item per category per basket: substitutes are seldom bought together
    first = np.lexsort((order_key, cat.category[all_i], all_b))
    b_s, c_s = all_b[first], cat.category[all_i[first]]
    keep = np.ones(len(first), dtype=bool)
    keep[1:] = (b_s[1:] != b_s[:-1]) | (c_s[1:] != c_s[:-1])
    kept = first[keep]
    kept = kept[np.lexsort((order_key[kept], all_b[kept]))]
    offsets = np.zeros(n_b + 1, dtype=np.int64)
    np.cumsum(np.bincount(all_b[kept], minlength=n_b), out=offsets[1:])
    return all_i[kept].astype(np.int64), offsets


def _cat_dept(cat: Catalog, n_cat: int) -> IntArray:
    out = np.zeros(n_cat, dtype=np.int64)
    out[cat.category] = cat.department
    return out


def _sample_cats(table: FloatArray, rows: IntArray, rng: np.random.Generator) -> IntArray:
    """One category per entry of ``rows``, each drawn from that row of ``table`` (rows of
    cumulative probabilities)."""
    u = rng.random(len(rows))
    out = np.empty(len(rows), dtype=np.int64)
    for r in np.unique(rows):
        m = rows == r
        out[m] = np.searchsorted(table[r], u[m], side="right")
    np.minimum(out, table.shape[1] - 1, out=out)
    return out


def item_gtin(index: int) -> str:
    """The GTIN-14 of simulated item ``index``, also its SKU and its key in the model.
    Not in the in-store range 20-29: scanners read those as variable-measure codes with
    a price inside, as the kiosk does too."""
    body = f"40{index:010d}"
    return gtin14(body + str(check_digit(body)))


def never_suggested(cat: Catalog, index: int) -> bool:
    """Items of the categories no shopper is ever offered (alcohol, tobacco, medicines)."""
    return cat.category_names[int(cat.category[index])].split()[0] in _NOT_SUGGESTED


def product_table(cat: Catalog) -> ProductTable:
    """The catalog as the edge recommender reads it (item ``i`` is model item ``i``)."""
    return ProductTable(
        [
            Product(
                index=i,
                sku=cat.sku[i],
                name=cat.name[i],
                price_cents=int(cat.price_cents[i]),
                in_stock=bool(cat.in_stock[i]),
                recommendable=not never_suggested(cat, i),
            )
            for i in range(cat.size)
        ]
    )


def split_by_week(store: Store, test_weeks: int = 2) -> tuple[Baskets, Baskets]:
    """Train on the earlier weeks, test on the last ``test_weeks``."""
    if not 0 < test_weeks < store.weeks:
        raise CatalogError(f"test weeks must be between 1 and {store.weeks - 1}")
    cut = store.weeks - test_weeks
    b = store.baskets
    return b.select(b.week < cut), b.select(b.week >= cut)
