"""Example venues: the demo store written as an IMDF folder with its planogram (two levels,
stairs and a lift, 40 units), and large generated venues for the routing benchmark."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from shapely.geometry import LineString, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

from domain.languages import LANGUAGES
from domain.maps.geo import LocalProjection
from domain.maps.model import Connector, Level, Opening, Unit, Venue
from domain.maps.planogram import gtin_is_valid

# Somewhere in Stockholm: any origin works; the demo has to sit on the Earth somewhere.
ORIGIN: Final = (18.0686, 59.3293)
_NS: Final = uuid.UUID("6f1c1c5e-2b0a-4d0e-9a57-3f3a3c1b0d11")  # ids are stable across runs
ROOM_W: Final = 6.0  # metres: one aisle pair per room, as in a mid-size supermarket
ROOMS: Final = 8

# en | de | sv | nl | da | fi
_DEPARTMENTS: Final = (
    (
        "Fruit & vegetables|Obst & Gemüse|Frukt & grönt|Groente & fruit|Frugt & grønt|"
        "Hedelmät & vihannekset",
        "Bakery|Bäckerei|Bageri|Bakkerij|Bageri|Leipomo",
        "Dairy|Molkereiprodukte|Mejeri|Zuivel|Mejeri|Maitotuotteet",
        "Cheese|Käse|Ost|Kaas|Ost|Juustot",
        "Meat|Fleisch|Kött|Vlees|Kød|Liha",
        "Fish|Fisch|Fisk|Vis|Fisk|Kala",
        "Frozen food|Tiefkühlkost|Fryst|Diepvries|Frost|Pakasteet",
        "Drinks|Getränke|Drycker|Dranken|Drikkevarer|Juomat",
        "Coffee & tea|Kaffee & Tee|Kaffe & te|Koffie & thee|Kaffe & te|Kahvi & tee",
        "Breakfast|Frühstück|Frukost|Ontbijt|Morgenmad|Aamiainen",
        "Pasta & rice|Nudeln & Reis|Pasta & ris|Pasta & rijst|Pasta & ris|Pasta & riisi",
        "Canned food|Konserven|Konserver|Conserven|Konserves|Säilykkeet",
        "Spices|Gewürze|Kryddor|Kruiden|Krydderier|Mausteet",
        "Snacks & sweets|Snacks & Süßes|Snacks & godis|Snacks & snoep|Snacks & slik|"
        "Naposteltavat & makeiset",
        "Baby|Baby|Barn|Baby|Baby|Vauvat",
        "Bread spreads|Brotaufstriche|Pålägg|Broodbeleg|Pålæg|Leivänpäälliset",
    ),
    (
        "Household|Haushalt|Hushåll|Huishouden|Husholdning|Kotitalous",
        "Cleaning|Reinigung|Städ|Schoonmaak|Rengøring|Siivous",
        "Kitchen|Küche|Kök|Keuken|Køkken|Keittiö",
        "Home textiles|Heimtextilien|Hemtextil|Woontextiel|Boligtekstiler|Kodintekstiilit",
        "Toys|Spielwaren|Leksaker|Speelgoed|Legetøj|Lelut",
        "Books|Bücher|Böcker|Boeken|Bøger|Kirjat",
        "Stationery|Schreibwaren|Kontorsvaror|Kantoorartikelen|Papirvarer|Paperitarvikkeet",
        "Electronics|Elektronik|Elektronik|Elektronica|Elektronik|Elektroniikka",
        "Garden|Garten|Trädgård|Tuin|Have|Puutarha",
        "Pets|Tierbedarf|Djur|Huisdieren|Kæledyr|Lemmikit",
        "Beauty|Kosmetik|Skönhet|Schoonheid|Skønhed|Kauneus",
        "Hygiene|Hygiene|Hygien|Hygiëne|Hygiejne|Hygienia",
        "Sports|Sport|Sport|Sport|Sport|Urheilu",
        "Clothing|Bekleidung|Kläder|Kleding|Tøj|Vaatteet",
        "Shoes|Schuhe|Skor|Schoenen|Sko|Kengät",
        "Seasonal|Saisonartikel|Säsong|Seizoen|Sæson|Sesonki",
    ),
)
_LANGS: Final = LANGUAGES


def _names(row: str) -> dict[str, str]:
    return dict(zip(_LANGS, row.split("|"), strict=True))


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def demo_gtins(count: int = 160) -> list[str]:
    """``count`` GTIN-13s, the same every run, from the GS1 in-store range (prefix 20),
    which never clashes with a real product."""
    out = []
    for i in range(count):
        body = f"20{i + 1:010d}"
        check = next(d for d in range(10) if gtin_is_valid(f"{body}{d}"))
        out.append(f"{body}{check}")
    return out


@dataclass(frozen=True, slots=True)
class DemoVenue:
    """Where the demo store was written, and ids the demo and the tests start from."""

    imdf: Path
    planogram: Path
    entrance_kiosk: str
    upstairs_kiosk: str
    toilets: str


class _Writer:
    def __init__(self) -> None:
        self.proj = LocalProjection(*ORIGIN)
        self.files: dict[str, list[dict[str, Any]]] = {}

    def add(self, kind: str, key: str, geom: BaseGeometry | None, props: dict[str, Any]) -> str:
        fid = _id(f"{kind}:{key}")
        geometry = mapping(self.proj.to_wgs84(geom)) if geom is not None else None
        self.files.setdefault(kind, []).append(
            {
                "id": fid,
                "type": "Feature",
                "feature_type": kind,
                "geometry": geometry,
                "properties": props,
            }
        )
        return fid

    def write(self, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        manifest = {
            "version": "1.0.0",
            "created": "2026-01-01T00:00:00Z",
            "language": "en",
            "generated_by": "instore simulators.venue",
        }
        (dest / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        for kind, feats in self.files.items():
            doc = {"type": "FeatureCollection", "features": feats}
            (dest / f"{kind}.geojson").write_text(json.dumps(doc), encoding="utf-8")


def _room_box(row: int, i: int) -> Polygon:
    x = i * ROOM_W
    return box(x, 22.0, x + ROOM_W, 40.0) if row == 0 else box(x, 0.0, x + ROOM_W, 18.0)


def write_demo_venue(dest: Path, gtins: Sequence[str] | None = None) -> DemoVenue:
    """Write the demo store as IMDF into ``dest`` and ``dest/planogram.csv`` placing
    ``gtins`` (default :func:`demo_gtins`) round-robin on its shelves."""
    w = _Writer()
    outline = box(0, 0, 60, 40)
    w.add(
        "venue",
        "v",
        outline,
        {
            "category": "shoppingcenter",
            "name": {"en": "Demo Market"},
            "address_id": None,
            "display_point": None,
        },
    )
    building = w.add(
        "building", "b", None, {"category": "unspecified", "name": None, "address_id": None}
    )
    w.add("footprint", "f", outline, {"category": "ground", "building_ids": [building]})
    fixtures: list[str] = []
    ids: dict[str, str] = {}
    for ordinal in (0, 1):
        level = w.add(
            "level",
            f"l{ordinal}",
            outline,
            {
                "category": "unspecified",
                "ordinal": ordinal,
                "outdoor": False,
                "name": None,
                "short_name": {"en": str(ordinal)},
                "building_ids": [building],
            },
        )

        def unit(
            key: str,
            geom: Polygon,
            category: str,
            names: dict[str, str] | None,
            *,
            level: str = level,
            ordinal: int = ordinal,
        ) -> str:
            fid = w.add(
                "unit",
                f"{ordinal}:{key}",
                geom,
                {"category": category, "level_id": level, "name": names, "restriction": None},
            )
            ids[f"{ordinal}:{key}"] = fid
            return fid

        def door(
            key: str,
            a: tuple[float, float],
            b: tuple[float, float],
            level: str = level,
            ordinal: int = ordinal,
        ) -> None:
            w.add(
                "opening",
                f"{ordinal}:{key}",
                LineString([a, b]),
                {"category": "pedestrian", "level_id": level},
            )

        aisle = unit(
            "aisle",
            box(0, 18, 60, 22),
            "walkway",
            {
                "en": "Main aisle",
                "de": "Hauptgang",
                "sv": "Huvudgång",
                "nl": "Hoofdgang",
                "da": "Hovedgang",
                "fi": "Pääkäytävä",
            },
        )
        for n, row_text in enumerate(_DEPARTMENTS[ordinal]):
            row, i = divmod(n, ROOMS)
            room_box = _room_box(row, i)
            room = unit(f"room{n}", room_box, "retail", _names(row_text))
            x = i * ROOM_W
            wall = 22.0 if row == 0 else 18.0
            door(f"room{n}", (x + 2, wall), (x + 4, wall))
            for side, sx in (("a", x + 0.5), ("b", x + 4.5)):
                y0, y1 = (26.0, 38.0) if row == 0 else (2.0, 14.0)
                anchor = w.add(
                    "anchor",
                    f"{ordinal}:{n}{side}",
                    Point(x + 3, (y0 + y1) / 2),
                    {"unit_id": room, "address_id": None},
                )
                fixtures.append(
                    w.add(
                        "fixture",
                        f"{ordinal}:{n}{side}",
                        box(sx, y0, sx + 1, y1),
                        {
                            "category": "shelving",
                            "level_id": level,
                            "anchor_id": anchor,
                            "name": {"en": f"{_names(row_text)['en']} shelf {side.upper()}"},
                        },
                    )
                )
        unit(
            "stairs",
            box(48, 22, 54, 32),
            "stairs",
            {
                "en": "Stairs",
                "de": "Treppe",
                "sv": "Trappa",
                "nl": "Trap",
                "da": "Trappe",
                "fi": "Portaat",
            },
        )
        unit(
            "lift",
            box(54, 22, 60, 32),
            "elevator",
            {
                "en": "Lift",
                "de": "Aufzug",
                "sv": "Hiss",
                "nl": "Lift",
                "da": "Elevator",
                "fi": "Hissi",
            },
        )
        door("stairs", (50, 22), (52, 22))
        door("lift", (56, 22), (58, 22))
        east = _names(
            "Checkout|Kasse|Kassa|Kassa|Kasse|Kassa"
            if ordinal == 0
            else "Café|Café|Kafé|Café|Café|Kahvila"
        )
        east_id = unit("east", box(48, 0, 60, 18), "retail", east)
        door("east", (52, 18), (56, 18))
        if ordinal == 0:
            door("entrance", (0, 19), (0, 21))
        anchor = w.add(
            "anchor",
            f"{ordinal}:kiosk",
            Point(4 + 40 * ordinal, 20),
            {"unit_id": aisle, "address_id": None},
        )
        ids[f"{ordinal}:kiosk"] = w.add(
            "kiosk",
            f"{ordinal}:kiosk",
            box(3.5 + 40 * ordinal, 21.2, 4.5 + 40 * ordinal, 21.9),
            {
                "name": {"en": "Kiosk" if ordinal == 0 else "Kiosk upstairs"},
                "level_id": level,
                "anchor_id": anchor,
            },
        )
        if ordinal == 1:
            ids["toilets"] = w.add(
                "amenity",
                "toilets",
                Point(58, 2),
                {
                    "category": "restroom",
                    "unit_ids": [east_id],
                    "name": {
                        "en": "Toilets",
                        "de": "Toiletten",
                        "sv": "Toaletter",
                        "nl": "Toiletten",
                        "da": "Toiletter",
                        "fi": "WC",
                    },
                },
            )
    for kind in ("stairs", "lift"):
        w.add(
            "relationship",
            kind,
            None,
            {
                "category": "stairs" if kind == "stairs" else "elevator",
                "direction": "undirected",
                "origin": {"id": ids[f"0:{kind}"], "feature_type": "unit"},
                "intermediary": None,
                "destination": {"id": ids[f"1:{kind}"], "feature_type": "unit"},
                "hours": None,
            },
        )
    w.write(dest)
    planogram = dest / "planogram.csv"
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["gtin", "fixture", "shelf"])
    for n, gtin in enumerate(gtins if gtins is not None else demo_gtins()):
        out.writerow([gtin, fixtures[n % len(fixtures)], n % 5 + 1])
    planogram.write_text(buf.getvalue(), encoding="utf-8")
    return DemoVenue(dest, planogram, ids["0:kiosk"], ids["1:kiosk"], ids["toilets"])


def grid_venue(levels: int, rows: int, cols: int, cell_m: float = 4.0) -> Venue:
    """A venue of ``levels`` floors of ``rows`` x ``cols`` square units, each with a door
    to every neighbour, stairs and a lift in opposite corners: about
    ``levels * (3 * rows * cols)`` graph nodes. Built in metres, straight into the model."""
    lv: dict[str, Level] = {}
    units: dict[str, Unit] = {}
    openings: dict[str, Opening] = {}
    half = cell_m / 4
    for z in range(levels):
        lid = f"L{z}"
        lv[lid] = Level(lid, z, {}, {}, box(0, 0, cols * cell_m, rows * cell_m))
        for r in range(rows):
            for c in range(cols):
                x, y = c * cell_m, r * cell_m
                category = "room"
                if (r, c) == (0, 0):
                    category = "stairs"
                elif (r, c) == (rows - 1, cols - 1):
                    category = "elevator"
                units[f"{lid}-{r}-{c}"] = Unit(
                    f"{lid}-{r}-{c}", lid, category, {}, box(x, y, x + cell_m, y + cell_m)
                )
                if c + 1 < cols:
                    mid = y + cell_m / 2
                    line = LineString([(x + cell_m, mid - half), (x + cell_m, mid + half)])
                    openings[f"{lid}-{r}-{c}-e"] = Opening(
                        f"{lid}-{r}-{c}-e", lid, "pedestrian", line
                    )
                if r + 1 < rows:
                    mid = x + cell_m / 2
                    line = LineString([(mid - half, y + cell_m), (mid + half, y + cell_m)])
                    openings[f"{lid}-{r}-{c}-n"] = Opening(
                        f"{lid}-{r}-{c}-n", lid, "pedestrian", line
                    )
    stairs = tuple(f"L{z}-0-0" for z in range(levels))
    lift = tuple(f"L{z}-{rows - 1}-{cols - 1}" for z in range(levels))
    connectors = {
        "stairs": Connector("stairs", "stairs", stairs, False),
        "lift": Connector("lift", "elevator", lift, False),
    }
    return Venue("grid", {"en": "Generated venue"}, lv, units, openings, connectors, {})


def random_unit_pairs(venue: Venue, count: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """``count`` (from, to) pairs of distinct units drawn with ``rng``."""
    ids = sorted(venue.units)
    picks = rng.integers(0, len(ids), size=(count, 2))
    return [(ids[a], ids[b if b != a else (b + 1) % len(ids)]) for a, b in picks]


def demo_venue_path(root: Path) -> DemoVenue:
    """The demo store under ``root/demo-venue``, written if it is not there yet; what the
    demo, the kiosk and the hub phone pages open."""
    dest = root / "demo-venue"
    if (dest / "manifest.json").is_file() and (dest / "planogram.csv").is_file():
        imdf = dest
    else:
        return write_demo_venue(dest)
    ids = {f"{k}": _id(k) for k in ("kiosk:0:kiosk", "kiosk:1:kiosk", "amenity:toilets")}
    return DemoVenue(
        imdf,
        dest / "planogram.csv",
        ids["kiosk:0:kiosk"],
        ids["kiosk:1:kiosk"],
        ids["amenity:toilets"],
    )
