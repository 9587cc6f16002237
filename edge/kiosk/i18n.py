"""The kiosk's words in the project's six languages (domain/languages.py)."""

from __future__ import annotations

from typing import Final

from domain.languages import DEFAULT_LANGUAGE
from domain.recs.texts import templates

_KEYS: Final = (
    "title", "welcome", "hint", "price", "allergens", "no_allergens", "in_stock",
    "out_of_stock", "where", "related", "done", "unknown_title", "unknown_body",
    "large_text", "language", "paired", "ended", "pair_failed", "shelf", "scanned",
    "for_you", "for_you_note",
)  # fmt: skip

STRINGS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Product scanner",
        "welcome": "Hold a product's barcode up to the camera",
        "hint": "or scan it with the handheld scanner. No personal data is needed.",
        "price": "Price",
        "allergens": "Allergens",
        "no_allergens": "No allergens listed",
        "in_stock": "In stock: {n}",
        "out_of_stock": "Out of stock here right now",
        "where": "Where is it?",
        "related": "Related items",
        "done": "Done",
        "unknown_title": "We don't know this code",
        "unknown_body": "This product isn't in our list. Please ask a member of staff.",
        "large_text": "Larger text",
        "language": "Language",
        "paired": "Your phone is connected. Press Done when you are finished.",
        "ended": "Session ended. Thank you!",
        "pair_failed": "This pairing code has expired. Please make a new one on your phone.",
        "shelf": "Shelf",
        "scanned": "Scanned product",
        "for_you": "For you",
        "for_you_note": "From what you scanned here before. "
        "Switch it off on your phone at any time.",
    },
    "de": {
        "title": "Produktscanner",
        "welcome": "Halten Sie den Barcode eines Produkts vor die Kamera",
        "hint": "oder scannen Sie ihn mit dem Handscanner. Es werden keine persönlichen "
        "Daten benötigt.",
        "price": "Preis",
        "allergens": "Allergene",
        "no_allergens": "Keine Allergene angegeben",
        "in_stock": "Vorrätig: {n}",
        "out_of_stock": "Hier derzeit nicht vorrätig",
        "where": "Wo finde ich es?",
        "related": "Passende Artikel",
        "done": "Fertig",
        "unknown_title": "Diesen Code kennen wir nicht",
        "unknown_body": "Dieses Produkt ist nicht in unserer Liste. Bitte fragen Sie "
        "unser Personal.",
        "large_text": "Größere Schrift",
        "language": "Sprache",
        "paired": "Ihr Telefon ist verbunden. Drücken Sie „Fertig“, wenn Sie fertig sind.",
        "ended": "Sitzung beendet. Vielen Dank!",
        "pair_failed": "Dieser Kopplungscode ist abgelaufen. Bitte erzeugen Sie auf Ihrem "
        "Telefon einen neuen.",
        "shelf": "Regal",
        "scanned": "Gescanntes Produkt",
        "for_you": "Für Sie",
        "for_you_note": "Aus dem, was Sie hier schon gescannt haben. "
        "Auf Ihrem Handy jederzeit abschaltbar.",
    },
    "sv": {
        "title": "Produktskanner",
        "welcome": "Håll upp produktens streckkod mot kameran",
        "hint": "eller skanna den med handskannern. Inga personuppgifter behövs.",
        "price": "Pris",
        "allergens": "Allergener",
        "no_allergens": "Inga allergener angivna",
        "in_stock": "I lager: {n}",
        "out_of_stock": "Slut i butiken just nu",
        "where": "Var finns den?",
        "related": "Relaterade varor",
        "done": "Klar",
        "unknown_title": "Vi känner inte igen koden",
        "unknown_body": "Produkten finns inte i vår lista. Fråga gärna personalen.",
        "large_text": "Större text",
        "language": "Språk",
        "paired": "Din telefon är ansluten. Tryck på Klar när du är färdig.",
        "ended": "Sessionen är avslutad. Tack!",
        "pair_failed": "Kopplingskoden har gått ut. Skapa en ny i telefonen.",
        "shelf": "Hylla",
        "scanned": "Skannad produkt",
        "for_you": "För dig",
        "for_you_note": "Utifrån det du har skannat här tidigare. "
        "Stäng av det i mobilen när du vill.",
    },
    "nl": {
        "title": "Productscanner",
        "welcome": "Houd de streepjescode van een product voor de camera",
        "hint": "of scan hem met de handscanner. Er zijn geen persoonsgegevens nodig.",
        "price": "Prijs",
        "allergens": "Allergenen",
        "no_allergens": "Geen allergenen vermeld",
        "in_stock": "Op voorraad: {n}",
        "out_of_stock": "Hier nu niet op voorraad",
        "where": "Waar ligt het?",
        "related": "Verwante artikelen",
        "done": "Klaar",
        "unknown_title": "Deze code kennen we niet",
        "unknown_body": "Dit product staat niet in onze lijst. Vraag het gerust aan een "
        "medewerker.",
        "large_text": "Grotere tekst",
        "language": "Taal",
        "paired": "Uw telefoon is gekoppeld. Druk op Klaar als u klaar bent.",
        "ended": "Sessie beëindigd. Bedankt!",
        "pair_failed": "Deze koppelcode is verlopen. Maak een nieuwe op uw telefoon.",
        "shelf": "Schap",
        "scanned": "Gescand product",
        "for_you": "Voor u",
        "for_you_note": "Op basis van wat u hier eerder scande. "
        "Op uw telefoon altijd uit te zetten.",
    },
    "da": {
        "title": "Produktscanner",
        "welcome": "Hold varens stregkode op foran kameraet",
        "hint": "eller scan den med håndscanneren. Der kræves ingen personlige oplysninger.",
        "price": "Pris",
        "allergens": "Allergener",
        "no_allergens": "Ingen allergener angivet",
        "in_stock": "På lager: {n}",
        "out_of_stock": "Ikke på lager her lige nu",
        "where": "Hvor er den?",
        "related": "Relaterede varer",
        "done": "Færdig",
        "unknown_title": "Vi kender ikke denne kode",
        "unknown_body": "Varen er ikke på vores liste. Spørg gerne en medarbejder.",
        "large_text": "Større tekst",
        "language": "Sprog",
        "paired": "Din telefon er forbundet. Tryk på Færdig, når du er færdig.",
        "ended": "Sessionen er afsluttet. Tak!",
        "pair_failed": "Parringskoden er udløbet. Lav en ny på din telefon.",
        "shelf": "Hylde",
        "scanned": "Scannet vare",
        "for_you": "Til dig",
        "for_you_note": "Ud fra det, du har scannet her før. "
        "Slå det fra på din telefon når som helst.",
    },
    "fi": {
        "title": "Tuoteskanneri",
        "welcome": "Näytä tuotteen viivakoodia kameralle",
        "hint": "tai lue se käsiskannerilla. Henkilötietoja ei tarvita.",
        "price": "Hinta",
        "allergens": "Allergeenit",
        "no_allergens": "Ei ilmoitettuja allergeeneja",
        "in_stock": "Varastossa: {n}",
        "out_of_stock": "Ei juuri nyt varastossa täällä",
        "where": "Missä se on?",
        "related": "Samankaltaiset tuotteet",
        "done": "Valmis",
        "unknown_title": "Emme tunnista tätä koodia",
        "unknown_body": "Tuote ei ole luettelossamme. Kysy rohkeasti henkilökunnalta.",
        "large_text": "Suurempi teksti",
        "language": "Kieli",
        "paired": "Puhelimesi on yhdistetty. Paina Valmis, kun olet valmis.",
        "ended": "Istunto päättyi. Kiitos!",
        "pair_failed": "Tämä yhdistämiskoodi on vanhentunut. Luo uusi puhelimellasi.",
        "shelf": "Hylly",
        "scanned": "Luettu tuote",
        "for_you": "Sinulle",
        "for_you_note": "Sen perusteella, mitä olet lukenut täällä aiemmin. "
        "Voit poistaa tämän puhelimesta milloin tahansa.",
    },
}


def strings_for(language: str) -> dict[str, str]:
    """The strings of ``language``, or English for a language we do not speak, with the
    recommender's "why" sentences as ``why_<reason>`` (``{anchor}`` left in)."""
    lang = language if language in STRINGS else DEFAULT_LANGUAGE
    whys = {f"why_{reason}": text for reason, text in templates(lang).items()}
    return STRINGS[lang] | whys
