"""Words a shopper reads: level names as people say them and turn-by-turn steps, in
English, German, Swedish, Dutch, Danish and Finnish (the languages of the research)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from domain.languages import language_of


def _en(n: int) -> str:
    if n == 0:
        return "Ground floor"
    if n < 0:
        return "Basement" if n == -1 else f"Basement {-n}"
    words = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth")
    return f"{words[n - 1]} floor" if n <= len(words) else f"Floor {n}"


def _de(n: int) -> str:
    if n == 0:
        return "Erdgeschoss"
    return (
        "Untergeschoss" if n == -1 else (f"{-n}. Untergeschoss" if n < 0 else f"{n}. Obergeschoss")
    )


def _sv(n: int) -> str:
    if n == 0:
        return "Entréplan"
    if n < 0:
        return "Källarplan" if n == -1 else f"Källarplan {-n}"
    # Swedish shops count the entrance floor as plan 1: one floor up is "Plan 2".
    return f"Plan {n + 1}"


def _nl(n: int) -> str:
    if n == 0:
        return "Begane grond"
    return "Kelder" if n == -1 else (f"Kelder {-n}" if n < 0 else f"{n}e verdieping")


def _da(n: int) -> str:
    if n == 0:
        return "Stueetage"
    return "Kælder" if n == -1 else (f"{-n}. kælder" if n < 0 else f"{n}. sal")


def _fi(n: int) -> str:
    # In Finland the street level is the first floor ("1. kerros").
    if n < 0:
        return "Kellarikerros" if n == -1 else f"{-n}. kellarikerros"
    return f"{n + 1}. kerros" if n else "Katutaso (1. kerros)"


_LEVEL_NAMERS: Final = {"en": _en, "de": _de, "sv": _sv, "nl": _nl, "da": _da, "fi": _fi}


def level_name(ordinal: int, lang: str) -> str:
    """What people call the floor with IMDF ``ordinal`` (0 = street level) in ``lang``."""
    return _LEVEL_NAMERS[language_of(lang)](ordinal)


# Step templates. Fields: {d} metres, {name} a place, {level} a level name.
PHRASES: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "start": "Start at {name}, {level}.",
        "walk": "Walk {d} m.",
        "straight": "Walk {d} m straight ahead.",
        "left": "Turn left and walk {d} m.",
        "right": "Turn right and walk {d} m.",
        "back": "Turn around and walk {d} m.",
        "through": "Walk {d} m through {name}.",
        "elevator": "Take the lift to {level}.",
        "stairs": "Take the stairs to {level}.",
        "steps": "Take the steps to {level}.",
        "escalator": "Take the escalator to {level}.",
        "ramp": "Take the ramp to {level}.",
        "arrive": "You have arrived at {name}.",
        "total": "{d} m in total",
        "here": "You are here",
        "destination": "Destination",
        "no_route": "There is no route between these places.",
        "no_step_free": "There is no step-free route between these places.",
        "step_free": "Step-free route",
        "title": "Store map",
        "language": "Language",
    },
    "de": {
        "start": "Start bei {name}, {level}.",
        "walk": "{d} m gehen.",
        "straight": "{d} m geradeaus gehen.",
        "left": "Links abbiegen und {d} m gehen.",
        "right": "Rechts abbiegen und {d} m gehen.",
        "back": "Umdrehen und {d} m gehen.",
        "through": "{d} m durch {name} gehen.",
        "elevator": "Mit dem Aufzug ins {level}.",
        "stairs": "Über die Treppe ins {level}.",
        "steps": "Über die Stufen ins {level}.",
        "escalator": "Mit der Rolltreppe ins {level}.",
        "ramp": "Über die Rampe ins {level}.",
        "arrive": "Sie sind bei {name} angekommen.",
        "total": "insgesamt {d} m",
        "here": "Sie sind hier",
        "destination": "Ziel",
        "no_route": "Zwischen diesen Orten gibt es keinen Weg.",
        "no_step_free": "Zwischen diesen Orten gibt es keinen stufenlosen Weg.",
        "step_free": "Stufenloser Weg",
        "title": "Ladenplan",
        "language": "Sprache",
    },
    "sv": {
        "start": "Börja vid {name}, {level}.",
        "walk": "Gå {d} m.",
        "straight": "Gå {d} m rakt fram.",
        "left": "Sväng vänster och gå {d} m.",
        "right": "Sväng höger och gå {d} m.",
        "back": "Vänd och gå {d} m.",
        "through": "Gå {d} m genom {name}.",
        "elevator": "Ta hissen till {level}.",
        "stairs": "Ta trappan till {level}.",
        "steps": "Gå trappstegen till {level}.",
        "escalator": "Ta rulltrappan till {level}.",
        "ramp": "Ta rampen till {level}.",
        "arrive": "Du är framme vid {name}.",
        "total": "{d} m totalt",
        "here": "Du är här",
        "destination": "Mål",
        "no_route": "Det finns ingen väg mellan de här platserna.",
        "no_step_free": "Det finns ingen väg utan trappsteg mellan de här platserna.",
        "step_free": "Väg utan trappsteg",
        "title": "Butikskarta",
        "language": "Språk",
    },
    "nl": {
        "start": "Begin bij {name}, {level}.",
        "walk": "Loop {d} m.",
        "straight": "Loop {d} m rechtdoor.",
        "left": "Sla linksaf en loop {d} m.",
        "right": "Sla rechtsaf en loop {d} m.",
        "back": "Keer om en loop {d} m.",
        "through": "Loop {d} m door {name}.",
        "elevator": "Neem de lift naar {level}.",
        "stairs": "Neem de trap naar {level}.",
        "steps": "Neem de treden naar {level}.",
        "escalator": "Neem de roltrap naar {level}.",
        "ramp": "Neem de helling naar {level}.",
        "arrive": "U bent bij {name}.",
        "total": "{d} m in totaal",
        "here": "U bent hier",
        "destination": "Bestemming",
        "no_route": "Er is geen route tussen deze plekken.",
        "no_step_free": "Er is geen drempelvrije route tussen deze plekken.",
        "step_free": "Drempelvrije route",
        "title": "Winkelplattegrond",
        "language": "Taal",
    },
    "da": {
        "start": "Start ved {name}, {level}.",
        "walk": "Gå {d} m.",
        "straight": "Gå {d} m ligeud.",
        "left": "Drej til venstre og gå {d} m.",
        "right": "Drej til højre og gå {d} m.",
        "back": "Vend om og gå {d} m.",
        "through": "Gå {d} m gennem {name}.",
        "elevator": "Tag elevatoren til {level}.",
        "stairs": "Tag trappen til {level}.",
        "steps": "Tag trinene til {level}.",
        "escalator": "Tag rulletrappen til {level}.",
        "ramp": "Tag rampen til {level}.",
        "arrive": "Du er fremme ved {name}.",
        "total": "{d} m i alt",
        "here": "Du er her",
        "destination": "Mål",
        "no_route": "Der er ingen rute mellem disse steder.",
        "no_step_free": "Der er ingen trinfri rute mellem disse steder.",
        "step_free": "Trinfri rute",
        "title": "Butikskort",
        "language": "Sprog",
    },
    "fi": {
        "start": "Aloita kohteesta {name}, {level}.",
        "walk": "Kävele {d} m.",
        "straight": "Kävele {d} m suoraan.",
        "left": "Käänny vasemmalle ja kävele {d} m.",
        "right": "Käänny oikealle ja kävele {d} m.",
        "back": "Käänny ympäri ja kävele {d} m.",
        "through": "Kävele {d} m kohteen {name} läpi.",
        "elevator": "Mene hissillä: {level}.",
        "stairs": "Mene portaita: {level}.",
        "steps": "Mene askelmia: {level}.",
        "escalator": "Mene liukuportailla: {level}.",
        "ramp": "Mene luiskaa pitkin: {level}.",
        "arrive": "Olet perillä: {name}.",
        "total": "yhteensä {d} m",
        "here": "Olet tässä",
        "destination": "Määränpää",
        "no_route": "Näiden paikkojen välillä ei ole reittiä.",
        "no_step_free": "Näiden paikkojen välillä ei ole esteetöntä reittiä.",
        "step_free": "Esteetön reitti",
        "title": "Myymäläkartta",
        "language": "Kieli",
    },
}


def phrase(lang: str, key: str, **fields: object) -> str:
    """The sentence ``key`` in ``lang`` with ``fields`` filled in."""
    return PHRASES[language_of(lang)][key].format(**fields)
