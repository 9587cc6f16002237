"""The six languages, and how a page picks one (kiosk, phone pages, map alike)."""

from __future__ import annotations

import pytest

from domain.languages import LANGUAGE_NAMES, LANGUAGES, Language, language_of, pick_language
from firmware_configs.schemas import KioskUi


def test_the_research_languages_each_with_its_own_name() -> None:
    assert set(LANGUAGES) == {"en", "de", "sv", "nl", "da", "fi"}
    assert set(LANGUAGE_NAMES) == set(LANGUAGES)
    assert [str(lang) for lang in Language] == list(LANGUAGES)


def test_a_tag_or_an_accept_language_list_names_a_language() -> None:
    assert language_of("de-AT") == "de"
    assert language_of("fi_FI") == "fi"
    assert language_of("pt-BR") == "en"
    assert language_of(None) == "en"
    assert language_of("ja,sv;q=0.8") == "sv"


def test_a_page_follows_the_choice_then_the_browser() -> None:
    assert pick_language("fi", "de-DE,de;q=0.9") == "fi"
    assert pick_language(None, "nl-BE,nl;q=0.9,en;q=0.8") == "nl"
    assert pick_language("xx", "ja,ko") == "en"


def test_a_config_names_languages_by_their_codes() -> None:
    ui = KioskUi.model_validate({"languages": ["sv", "fi"]})
    assert ui.languages == ["sv", "fi"]
    with pytest.raises(ValueError, match="de"):
        KioskUi.model_validate({"languages": ["xx"]})
