"""Plain words in six languages, the data map, the Art. 30 records and the notice."""

from __future__ import annotations

from domain.languages import LANGUAGES
from hub.consent.datamap import fideslang_dataset, notice_html, qr_svg, records_of_processing
from hub.consent.receipts import data_categories, policy_snapshot
from hub.consent.settings import ConsentSettings
from hub.consent.texts import PURPOSE_TEXTS, UI
from protocol.purposes import EVENT_KINDS, PURGED, Purpose


def test_every_purpose_is_explained_in_every_language() -> None:
    for lang in LANGUAGES:
        assert set(PURPOSE_TEXTS[lang]) == set(Purpose), lang
        assert set(UI[lang]) == set(UI["en"]), lang
        for purpose, text in PURPOSE_TEXTS[lang].items():
            for part in (text.title, text.collected, text.why, text.kept, text.gets):
                assert part.strip(), (lang, purpose)
            assert "{days}" in text.kept, (lang, purpose)
        # Not English copied over: every language reads differently.
        if lang != "en":
            assert (
                PURPOSE_TEXTS[lang][Purpose.PRESENCE].why
                != PURPOSE_TEXTS["en"][Purpose.PRESENCE].why
            )


def test_policy_snapshot_changes_when_the_words_or_retention_change() -> None:
    a, _ = policy_snapshot(ConsentSettings())
    b, _ = policy_snapshot(ConsentSettings(retention_days={Purpose.PRESENCE: 2}))
    assert a != b
    assert a == policy_snapshot(ConsentSettings())[0]


def test_data_map_declares_every_event_type_in_fideslang_terms() -> None:
    declared = {d["name"]: d for d in fideslang_dataset()["privacy_declarations"]}
    assert set(declared) == set(EVENT_KINDS) - {PURGED}
    for name, kind in EVENT_KINDS.items():
        if name == PURGED:
            continue
        assert declared[name]["data_categories"] == list(kind.data_categories)
        assert all(c.startswith(("user.", "system.")) for c in kind.data_categories)


def test_records_of_processing_cover_every_purpose_from_the_data_map() -> None:
    records = records_of_processing(ConsentSettings())
    by_purpose = {a["activity"]: a for a in records["activities"]}
    assert set(by_purpose) == {str(p) for p in Purpose}
    presence = by_purpose["presence"]
    assert presence["retention_days"] == 1
    assert presence["data_categories"] == data_categories(Purpose.PRESENCE)
    assert "zone.enter" in presence["event_types"]
    assert records["controller"]["name"]
    assert "face recognition or detection" in records["not_processed_by_design"]


def test_notice_prints_the_consent_center_qr_and_every_language() -> None:
    settings = ConsentSettings(center_url="https://hub.example:8443/s/")
    html = notice_html(settings)
    assert "<svg" in html
    assert "https://hub.example:8443/s/" in html
    for lang in LANGUAGES:
        assert f'lang="{lang}"' in html
    assert qr_svg("instore:pair:abc").startswith("<svg")
