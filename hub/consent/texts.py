"""What the shopper reads: each purpose in plain words, in six languages.

Per purpose: what is collected, why, how long it is kept and what the shopper gets
(docs/architecture.md, "Consent and privacy"; shoppers who understand how their
data is used are far more positive, F8 in its "Why"). ``{days}`` is filled from the
configured retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from protocol.purposes import Purpose


@dataclass(frozen=True, slots=True)
class PurposeText:
    title: str
    collected: str
    why: str
    kept: str  # contains {days}
    gets: str


_T = PurposeText

PURPOSE_TEXTS: Final[dict[str, dict[Purpose, PurposeText]]] = {
    "en": {
        Purpose.PRESENCE: _T(
            "Where I am in the store",
            "Which area of the store your phone is near, and for how long, "
            "from a random code your app sends. Never your phone's name or address.",
            "To bring your pickup order out when you arrive, send help to where you "
            "stand, and resume your kiosk session at the kiosk you walk up to.",
            "{days} days, then deleted.",
            "Your order brought to you, help where you are, no re-scanning at kiosks.",
        ),
        Purpose.PERSONAL_RECS: _T(
            "Suggestions from my own scans",
            "The products you scan at kiosks while paired with your phone.",
            "To suggest items that fit what you looked at before.",
            "{days} days, then deleted.",
            "Suggestions that fit you, each with a plain reason why it is shown.",
        ),
        Purpose.PICKUP_OFFERS: _T(
            "Suggestions when I pick up an order",
            "What you ordered online when you collect it in the store.",
            "To suggest a few items that go with your order, at pickup only.",
            "{days} days, then deleted.",
            "At most a few suggestions at pickup. Prices are the same for everyone.",
        ),
        Purpose.ANALYTICS: _T(
            "Count me in store statistics",
            "Your store visits and scans under a random code, never your name.",
            "To improve the store layout and stock, from totals of at least 10 shoppers.",
            "{days} days, then only totals remain.",
            "A better laid-out store. Nobody sees your own visits.",
        ),
    },
    "de": {
        Purpose.PRESENCE: _T(
            "Wo ich im Laden bin",
            "In welchem Bereich des Ladens Ihr Telefon ist und wie lange, über einen "
            "Zufallscode Ihrer App. Nie Name oder Adresse Ihres Telefons.",
            "Damit wir Ihre Abholbestellung bei Ankunft bringen, Hilfe zu Ihnen schicken "
            "und Ihre Kiosk-Sitzung am nächsten Kiosk fortsetzen.",
            "{days} Tage, dann gelöscht.",
            "Ihre Bestellung kommt zu Ihnen, Hilfe dort, wo Sie sind, kein erneutes Scannen.",
        ),
        Purpose.PERSONAL_RECS: _T(
            "Vorschläge aus meinen eigenen Scans",
            "Die Produkte, die Sie am Kiosk scannen, während er mit Ihrem Telefon gekoppelt ist.",
            "Um Artikel vorzuschlagen, die zu dem passen, was Sie angesehen haben.",
            "{days} Tage, dann gelöscht.",
            "Passende Vorschläge, jeweils mit einer klaren Begründung.",
        ),
        Purpose.PICKUP_OFFERS: _T(
            "Vorschläge bei der Abholung",
            "Was Sie online bestellt haben, wenn Sie es im Laden abholen.",
            "Um bei der Abholung einige passende Artikel vorzuschlagen.",
            "{days} Tage, dann gelöscht.",
            "Höchstens wenige Vorschläge bei der Abholung. Preise sind für alle gleich.",
        ),
        Purpose.ANALYTICS: _T(
            "In Ladenstatistiken mitzählen",
            "Ihre Besuche und Scans unter einem Zufallscode, nie Ihr Name.",
            "Um Aufbau und Sortiment zu verbessern, aus Summen von mindestens 10 Kunden.",
            "{days} Tage, danach bleiben nur Summen.",
            "Ein besser eingerichteter Laden. Niemand sieht Ihre eigenen Besuche.",
        ),
    },
    "sv": {
        Purpose.PRESENCE: _T(
            "Var jag är i butiken",
            "Vilket område i butiken din telefon är nära och hur länge, via en slumpkod "
            "från din app. Aldrig telefonens namn eller adress.",
            "För att bära ut din hämtorder när du kommer, skicka hjälp dit du står och "
            "fortsätta din kiosksession vid kiosken du går fram till.",
            "{days} dagar, sedan raderas det.",
            "Ordern kommer till dig, hjälp där du är, ingen ny skanning vid kiosker.",
        ),
        Purpose.PERSONAL_RECS: _T(
            "Förslag utifrån mina egna skanningar",
            "Produkterna du skannar vid kiosker medan de är kopplade till din telefon.",
            "För att föreslå varor som passar det du tittat på tidigare.",
            "{days} dagar, sedan raderas det.",
            "Förslag som passar dig, alltid med ett tydligt skäl.",
        ),
        Purpose.PICKUP_OFFERS: _T(
            "Förslag när jag hämtar en order",
            "Vad du beställt på nätet när du hämtar det i butiken.",
            "För att föreslå några varor som passar din order, bara vid hämtning.",
            "{days} dagar, sedan raderas det.",
            "Högst några förslag vid hämtning. Priserna är desamma för alla.",
        ),
        Purpose.ANALYTICS: _T(
            "Räkna med mig i butikens statistik",
            "Dina besök och skanningar under en slumpkod, aldrig ditt namn.",
            "För att förbättra butikens layout och sortiment, av summor för minst 10 kunder.",
            "{days} dagar, sedan finns bara summor kvar.",
            "En bättre ordnad butik. Ingen ser dina egna besök.",
        ),
    },
    "nl": {
        Purpose.PRESENCE: _T(
            "Waar ik in de winkel ben",
            "Bij welk deel van de winkel uw telefoon is en hoe lang, via een willekeurige "
            "code van uw app. Nooit de naam of het adres van uw telefoon.",
            "Om uw afhaalbestelling te brengen als u aankomt, hulp te sturen naar waar u "
            "staat en uw kiosksessie te hervatten bij de kiosk waar u heen loopt.",
            "{days} dagen, daarna verwijderd.",
            "Uw bestelling naar u toe, hulp waar u bent, niet opnieuw scannen.",
        ),
        Purpose.PERSONAL_RECS: _T(
            "Suggesties uit mijn eigen scans",
            "De producten die u scant bij kiosken die aan uw telefoon gekoppeld zijn.",
            "Om artikelen voor te stellen die passen bij wat u eerder bekeek.",
            "{days} dagen, daarna verwijderd.",
            "Suggesties die bij u passen, elk met een duidelijke reden.",
        ),
        Purpose.PICKUP_OFFERS: _T(
            "Suggesties bij het afhalen",
            "Wat u online bestelde, als u het in de winkel afhaalt.",
            "Om bij het afhalen een paar passende artikelen voor te stellen.",
            "{days} dagen, daarna verwijderd.",
            "Hooguit een paar suggesties bij het afhalen. Prijzen zijn voor iedereen gelijk.",
        ),
        Purpose.ANALYTICS: _T(
            "Tel mij mee in winkelstatistieken",
            "Uw bezoeken en scans onder een willekeurige code, nooit uw naam.",
            "Om indeling en assortiment te verbeteren, uit totalen van minstens 10 klanten.",
            "{days} dagen, daarna blijven alleen totalen.",
            "Een beter ingerichte winkel. Niemand ziet uw eigen bezoeken.",
        ),
    },
    "da": {
        Purpose.PRESENCE: _T(
            "Hvor jeg er i butikken",
            "Hvilket område af butikken din telefon er i nærheden af, og hvor længe, via en "
            "tilfældig kode fra din app. Aldrig telefonens navn eller adresse.",
            "For at bringe din afhentningsordre ud, når du kommer, sende hjælp derhen, hvor "
            "du står, og fortsætte din kiosksession ved den kiosk, du går hen til.",
            "{days} dage, derefter slettet.",
            "Ordren bragt til dig, hjælp hvor du er, ingen ny scanning ved kiosker.",
        ),
        Purpose.PERSONAL_RECS: _T(
            "Forslag ud fra mine egne scanninger",
            "De varer, du scanner ved kiosker, mens de er parret med din telefon.",
            "For at foreslå varer, der passer til det, du har set på før.",
            "{days} dage, derefter slettet.",
            "Forslag, der passer til dig, altid med en klar begrundelse.",
        ),
        Purpose.PICKUP_OFFERS: _T(
            "Forslag når jeg henter en ordre",
            "Hvad du har bestilt online, når du henter det i butikken.",
            "For at foreslå nogle få varer, der passer til din ordre, kun ved afhentning.",
            "{days} dage, derefter slettet.",
            "Højst nogle få forslag ved afhentning. Priserne er de samme for alle.",
        ),
        Purpose.ANALYTICS: _T(
            "Tæl mig med i butikkens statistik",
            "Dine besøg og scanninger under en tilfældig kode, aldrig dit navn.",
            "For at forbedre indretning og sortiment, ud fra summer for mindst 10 kunder.",
            "{days} dage, derefter er der kun summer tilbage.",
            "En bedre indrettet butik. Ingen ser dine egne besøg.",
        ),
    },
    "fi": {
        Purpose.PRESENCE: _T(
            "Missä olen myymälässä",
            "Minkä myymälän alueen lähellä puhelimesi on ja kuinka kauan, sovelluksesi "
            "satunnaiskoodin avulla. Ei koskaan puhelimen nimeä tai osoitetta.",
            "Jotta noutotilauksesi tuodaan sinulle saapuessasi, apu ohjataan luoksesi ja "
            "kioskiistuntosi jatkuu kioskilla, jolle kävelet.",
            "{days} päivää, sitten poistetaan.",
            "Tilaus tuodaan sinulle, apua siellä missä olet, ei uudelleenskannausta.",
        ),
        Purpose.PERSONAL_RECS: _T(
            "Ehdotukset omien skannausteni perusteella",
            "Tuotteet, jotka skannaat kioskeilla, kun ne on yhdistetty puhelimeesi.",
            "Jotta voimme ehdottaa tuotteita, jotka sopivat aiemmin katsomiisi.",
            "{days} päivää, sitten poistetaan.",
            "Sinulle sopivia ehdotuksia, aina selkeän syyn kanssa.",
        ),
        Purpose.PICKUP_OFFERS: _T(
            "Ehdotukset tilausta noutaessa",
            "Mitä tilasit verkosta, kun noudat sen myymälästä.",
            "Jotta voimme ehdottaa muutamaa tilaukseesi sopivaa tuotetta, vain noudettaessa.",
            "{days} päivää, sitten poistetaan.",
            "Enintään muutama ehdotus noudettaessa. Hinnat ovat samat kaikille.",
        ),
        Purpose.ANALYTICS: _T(
            "Laske minut mukaan myymälän tilastoihin",
            "Käyntisi ja skannauksesi satunnaiskoodilla, ei koskaan nimeäsi.",
            "Myymälän ja valikoiman parantamiseen, vähintään 10 asiakkaan summista.",
            "{days} päivää, sen jälkeen jää vain summia.",
            "Paremmin järjestetty myymälä. Kukaan ei näe omia käyntejäsi.",
        ),
    },
}

# Labels of the phone pages. Keys are the same in every language (a test checks).
UI: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Your privacy choices",
        "language": "Language",
        "intro": "Everything here is off until you switch it on. Product info, maps and "
        "related items work without any of it.",
        "collected": "What we collect",
        "why": "Why",
        "kept": "How long we keep it",
        "gets": "What you get",
        "on": "On",
        "off": "Off",
        "age_q": "Your year of birth",
        "age_ok": "Continue",
        "age_under": "You must be at least {age} to switch these on. Everything else works.",
        "held": "Everything we hold about you",
        "download": "Download as JSON",
        "erase": "Erase everything about me",
        "erased": "Erased. Your key was destroyed; the last backup copy expires on {date}.",
        "pair": "Pair with a kiosk",
        "pair_hint": "Show this code to the kiosk camera. It works once, for {s} seconds.",
        "nothing": "We hold nothing about you.",
        "consents": "Your choices",
        "events": "Events we hold",
        "for_you": "For you",
        "for_you_off": "Suggestions from what you scanned are off. Switch on “{purpose}” "
        "to see them here and at the kiosk.",
        "for_you_turn_on": "Go to your choices",
        "for_you_empty": "Nothing yet. Pair your phone at a kiosk and scan a few products: ideas "
        "appear here.",
        "for_you_based": "Based on what you scanned:",
        "for_you_price": "Prices are the shelf prices, the same for everyone.",
    },
    "de": {
        "title": "Ihre Datenschutz-Einstellungen",
        "language": "Sprache",
        "intro": "Alles hier ist aus, bis Sie es einschalten. Produktinfos, Karten und "
        "passende Artikel funktionieren auch ohne.",
        "collected": "Was wir erfassen",
        "why": "Warum",
        "kept": "Wie lange wir es speichern",
        "gets": "Was Sie davon haben",
        "on": "An",
        "off": "Aus",
        "age_q": "Ihr Geburtsjahr",
        "age_ok": "Weiter",
        "age_under": "Sie müssen mindestens {age} sein, um dies einzuschalten. Alles andere "
        "funktioniert.",
        "held": "Alles, was wir über Sie speichern",
        "download": "Als JSON herunterladen",
        "erase": "Alles über mich löschen",
        "erased": "Gelöscht. Ihr Schlüssel wurde vernichtet; die letzte Sicherung läuft am "
        "{date} ab.",
        "pair": "Mit einem Kiosk koppeln",
        "pair_hint": "Zeigen Sie diesen Code der Kiosk-Kamera. Er gilt einmal, {s} Sekunden.",
        "nothing": "Wir speichern nichts über Sie.",
        "consents": "Ihre Auswahl",
        "events": "Gespeicherte Ereignisse",
        "for_you": "Für Sie",
        "for_you_off": "Vorschläge aus Ihren Scans sind aus. Schalten Sie „{purpose}“ "
        "ein, um sie hier und am Kiosk zu sehen.",
        "for_you_turn_on": "Zu Ihren Einstellungen",
        "for_you_empty": "Noch nichts. Koppeln Sie Ihr Handy an einem Kiosk und scannen Sie ein "
        "paar Produkte: Hier erscheinen dann Ideen.",
        "for_you_based": "Auf Grundlage Ihrer Scans:",
        "for_you_price": "Die Preise sind die Regalpreise, für alle gleich.",
    },
    "sv": {
        "title": "Dina integritetsval",
        "language": "Språk",
        "intro": "Allt här är avstängt tills du slår på det. Produktinfo, kartor och "
        "relaterade varor fungerar utan det.",
        "collected": "Vad vi samlar in",
        "why": "Varför",
        "kept": "Hur länge vi sparar det",
        "gets": "Vad du får",
        "on": "På",
        "off": "Av",
        "age_q": "Ditt födelseår",
        "age_ok": "Fortsätt",
        "age_under": "Du måste vara minst {age} för att slå på detta. Allt annat fungerar.",
        "held": "Allt vi har om dig",
        "download": "Ladda ner som JSON",
        "erase": "Radera allt om mig",
        "erased": "Raderat. Din nyckel har förstörts; den sista säkerhetskopian upphör {date}.",
        "pair": "Koppla till en kiosk",
        "pair_hint": "Visa koden för kioskens kamera. Den gäller en gång, i {s} sekunder.",
        "nothing": "Vi har ingenting om dig.",
        "consents": "Dina val",
        "events": "Händelser vi har",
        "for_you": "För dig",
        "for_you_off": "Förslag utifrån det du skannat är avstängda. Slå på ”{purpose}” "
        "för att se dem här och vid kiosken.",
        "for_you_turn_on": "Till dina val",
        "for_you_empty": "Inget ännu. Koppla mobilen vid en kiosk och skanna några varor: idéer "
        "visas här.",
        "for_you_based": "Utifrån det du har skannat:",
        "for_you_price": "Priserna är hyllpriserna, samma för alla.",
    },
    "nl": {
        "title": "Uw privacykeuzes",
        "language": "Taal",
        "intro": "Alles hier staat uit tot u het aanzet. Productinfo, kaarten en "
        "gerelateerde artikelen werken zonder.",
        "collected": "Wat we verzamelen",
        "why": "Waarom",
        "kept": "Hoe lang we het bewaren",
        "gets": "Wat u ervoor krijgt",
        "on": "Aan",
        "off": "Uit",
        "age_q": "Uw geboortejaar",
        "age_ok": "Verder",
        "age_under": "U moet minstens {age} zijn om dit aan te zetten. Al het andere werkt.",
        "held": "Alles wat we over u bewaren",
        "download": "Downloaden als JSON",
        "erase": "Alles over mij wissen",
        "erased": "Gewist. Uw sleutel is vernietigd; de laatste back-up verloopt op {date}.",
        "pair": "Koppelen aan een kiosk",
        "pair_hint": "Toon deze code aan de kioskcamera. Hij werkt één keer, {s} seconden.",
        "nothing": "We bewaren niets over u.",
        "consents": "Uw keuzes",
        "events": "Gebeurtenissen die we bewaren",
        "for_you": "Voor u",
        "for_you_off": "Suggesties op basis van uw scans staan uit. Zet “{purpose}” aan "
        "om ze hier en bij de kiosk te zien.",
        "for_you_turn_on": "Naar uw keuzes",
        "for_you_empty": "Nog niets. Koppel uw telefoon bij een kiosk en scan een paar producten: "
        "hier verschijnen dan ideeën.",
        "for_you_based": "Op basis van wat u scande:",
        "for_you_price": "De prijzen zijn de schapprijzen, voor iedereen gelijk.",
    },
    "da": {
        "title": "Dine privatlivsvalg",
        "language": "Sprog",
        "intro": "Alt her er slået fra, indtil du slår det til. Produktinfo, kort og "
        "relaterede varer virker uden.",
        "collected": "Hvad vi indsamler",
        "why": "Hvorfor",
        "kept": "Hvor længe vi gemmer det",
        "gets": "Hvad du får",
        "on": "Til",
        "off": "Fra",
        "age_q": "Dit fødselsår",
        "age_ok": "Fortsæt",
        "age_under": "Du skal være mindst {age} for at slå dette til. Alt andet virker.",
        "held": "Alt, hvad vi har om dig",
        "download": "Hent som JSON",
        "erase": "Slet alt om mig",
        "erased": "Slettet. Din nøgle er destrueret; den sidste sikkerhedskopi udløber {date}.",
        "pair": "Par med en kiosk",
        "pair_hint": "Vis koden til kioskens kamera. Den virker én gang, i {s} sekunder.",
        "nothing": "Vi har intet om dig.",
        "consents": "Dine valg",
        "events": "Hændelser vi har",
        "for_you": "Til dig",
        "for_you_off": "Forslag ud fra det, du har scannet, er slået fra. Slå "
        "”{purpose}” til for at se dem her og ved kiosken.",
        "for_you_turn_on": "Til dine valg",
        "for_you_empty": "Intet endnu. Par din telefon ved en kiosk og scan nogle varer: idéer "
        "vises her.",
        "for_you_based": "Ud fra det, du har scannet:",
        "for_you_price": "Priserne er hyldepriserne, de samme for alle.",
    },
    "fi": {
        "title": "Yksityisyysvalintasi",
        "language": "Kieli",
        "intro": "Kaikki on pois päältä, kunnes kytket sen päälle. Tuotetiedot, kartat ja "
        "liittyvät tuotteet toimivat ilman.",
        "collected": "Mitä keräämme",
        "why": "Miksi",
        "kept": "Kuinka kauan säilytämme",
        "gets": "Mitä saat",
        "on": "Päällä",
        "off": "Pois",
        "age_q": "Syntymävuotesi",
        "age_ok": "Jatka",
        "age_under": "Sinun on oltava vähintään {age} kytkeäksesi nämä. Kaikki muu toimii.",
        "held": "Kaikki, mitä meillä on sinusta",
        "download": "Lataa JSON-muodossa",
        "erase": "Poista kaikki minusta",
        "erased": "Poistettu. Avaimesi on tuhottu; viimeinen varmuuskopio vanhenee {date}.",
        "pair": "Yhdistä kioskiin",
        "pair_hint": "Näytä koodi kioskin kameralle. Se toimii kerran, {s} sekuntia.",
        "nothing": "Meillä ei ole sinusta mitään.",
        "consents": "Valintasi",
        "events": "Tallennetut tapahtumat",
        "for_you": "Sinulle",
        "for_you_off": "Lukemiisi tuotteisiin perustuvat ehdotukset ovat pois päältä. Kytke "
        "”{purpose}” päälle nähdäksesi ne täällä ja kioskilla.",
        "for_you_turn_on": "Valintoihisi",
        "for_you_empty": "Ei vielä mitään. Yhdistä puhelimesi kioskiin ja lue muutama tuote: ideat "
        "näkyvät täällä.",
        "for_you_based": "Lukemiesi tuotteiden perusteella:",
        "for_you_price": "Hinnat ovat hyllyhintoja, samat kaikille.",
    },
}
