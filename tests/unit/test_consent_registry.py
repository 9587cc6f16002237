"""The consent registry: age check, switches, signed receipts, the ledger, BLE keys, roster."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.consent import chain
from hub.consent.registry import Change, ConsentRegistry
from hub.consent.settings import ConsentError, ConsentSettings
from hub.settings import HubHome, HubSettings
from hub.storage import SqliteEventStore
from protocol.ble_token import tokens_around
from protocol.purposes import DPV_PURPOSE, Purpose

SUBJECT = "ps_" + "a" * 22
OTHER = "ps_" + "b" * 22


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def home(tmp_path: Path) -> HubHome:
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="demo"))
    SqliteEventStore(home.db_path).close()
    return home


@pytest.fixture
def registry(home: HubHome) -> ConsentRegistry:
    reg = ConsentRegistry(home, settings=ConsentSettings(minimum_age=16), clock=Clock())
    assert reg.confirm_age(SUBJECT, 1990, 2026)
    return reg


def test_consent_needs_the_age_check(home: HubHome) -> None:
    reg = ConsentRegistry(home, settings=ConsentSettings(minimum_age=18))
    with pytest.raises(ConsentError, match="age check"):
        reg.set_consent(OTHER, Purpose.PRESENCE, True)
    assert not reg.confirm_age(OTHER, 2010, 2026)  # 16: under the configured 18
    with pytest.raises(ConsentError):
        reg.set_consent(OTHER, Purpose.PRESENCE, True)
    assert reg.confirm_age(OTHER, 2008, 2026)
    reg.set_consent(OTHER, Purpose.PRESENCE, True)
    assert reg.check(OTHER, "presence")


def test_switches_are_per_purpose_and_keep_the_spine_table_current(
    registry: ConsentRegistry,
) -> None:
    registry.set_consent(SUBJECT, Purpose.PERSONAL_RECS, True)
    assert registry.check(SUBJECT, "personal_recs")
    assert not registry.check(SUBJECT, "presence")
    row = registry.db.execute(
        "SELECT granted, record_id FROM consents WHERE subject = ? AND purpose = ?",
        (SUBJECT, "personal_recs"),
    ).fetchone()
    assert row[0] == 1
    assert registry.record_id(SUBJECT, Purpose.PERSONAL_RECS) == row[1]
    registry.set_consent(SUBJECT, Purpose.PERSONAL_RECS, False)
    assert not registry.check(SUBJECT, "personal_recs")
    assert registry.record_id(SUBJECT, Purpose.PERSONAL_RECS) is None


def test_receipt_carries_the_kantara_fields(registry: ConsentRegistry) -> None:
    receipt = registry.set_consent(SUBJECT, Purpose.PICKUP_OFFERS, True, language="sv")
    body = receipt.to_json()
    for name in (
        "jurisdiction",
        "consentTimestamp",
        "collectionMethod",
        "consentReceiptID",
        "piiPrincipalId",
        "piiControllers",
        "policyUrl",
        "policyVersion",
        "policySha256",
        "services",
    ):
        assert body[name], name
    purpose = body["services"][0]["purposes"][0]
    assert purpose["purposeCategory"] == [DPV_PURPOSE[Purpose.PICKUP_OFFERS]]
    assert purpose["piiCategory"] == ["user.behavior.purchase_history"]
    assert purpose["thirdPartyDisclosure"] is False
    assert purpose["consentType"] == "EXPLICIT"
    assert purpose["termination"]
    assert body["piiPrincipalId"] == SUBJECT
    assert body["language"] == "sv"
    snapshot = registry.db.execute(
        "SELECT version FROM policies WHERE sha256 = ?", (body["policySha256"],)
    ).fetchone()
    assert snapshot is not None


def test_every_change_is_a_signed_link_of_the_ledger(registry: ConsentRegistry) -> None:
    registry.set_consent(SUBJECT, Purpose.ANALYTICS, True)
    registry.set_consent(SUBJECT, Purpose.ANALYTICS, False)
    ledger = registry.ledger_for(SUBJECT)
    assert [e["receipt"]["services"][0]["purposes"][0]["state"] for e in ledger] == [
        "given",
        "withdrawn",
    ]
    assert all(r.ok for r in registry.verify())
    audit = registry.db.execute("SELECT kind FROM audit_log ORDER BY n").fetchall()
    assert [a[0] for a in audit] == ["consent.given", "consent.withdrawn"]


def test_withdrawal_takes_effect_before_anything_is_written(registry: ConsentRegistry) -> None:
    registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    seen: list[bool] = []
    # A listener runs after the commit; the check must already say no while the
    # database is locked by another writer (ingest, say).
    blocker = sqlite3.connect(registry.home.db_path, isolation_level=None, timeout=30)
    blocker.execute("BEGIN IMMEDIATE")
    registry.db.execute("PRAGMA busy_timeout=200")
    with pytest.raises(ConsentError):
        registry.set_consent(SUBJECT, Purpose.PRESENCE, False)
    seen.append(registry.check(SUBJECT, "presence"))
    blocker.execute("ROLLBACK")
    blocker.close()
    assert seen == [False]


def test_listeners_hear_every_change(registry: ConsentRegistry) -> None:
    heard: list[Change] = []
    registry.listeners.append(heard.append)
    registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    registry.set_consent(SUBJECT, Purpose.PRESENCE, False)
    assert [(c.purpose, c.granted) for c in heard] == [
        (Purpose.PRESENCE, True),
        (Purpose.PRESENCE, False),
    ]


def test_roster_holds_only_presence_tokens_of_the_windows_around_now(
    registry: ConsentRegistry,
) -> None:
    assert registry.confirm_age(OTHER, 1980, 2026)
    registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    registry.set_consent(OTHER, Purpose.ANALYTICS, True)  # no presence: no token
    key = registry.ble_key(SUBJECT)
    assert key is not None
    assert len(key) == 16
    assert registry.ble_key(OTHER) is None
    now = 1_800_000_000.0
    roster = registry.roster(now)
    expected = sorted(t.hex() for t in tokens_around(key, now, 1).values())
    assert roster.tokens == expected
    assert len(roster.windows) == 3
    registry.set_consent(SUBJECT, Purpose.PRESENCE, False)
    assert registry.roster(now).tokens == []
    assert registry.ble_key(SUBJECT) is None


def test_a_tampered_ledger_fails_verification(registry: ConsentRegistry) -> None:
    registry.set_consent(SUBJECT, Purpose.ANALYTICS, True)
    registry.set_consent(SUBJECT, Purpose.ANALYTICS, False)
    registry.set_consent(SUBJECT, Purpose.ANALYTICS, True)
    public = registry.keys.signing.public_key()
    registry.db.execute(
        "UPDATE consent_ledger SET body = replace(body, 'withdrawn', 'given') WHERE n = 2"
    )
    report = chain.verify(registry.db, "consent_ledger", public)
    assert not report.ok
    assert report.first_bad == 2
    assert "hash" in report.reason


def test_a_removed_or_forged_entry_fails_verification(registry: ConsentRegistry) -> None:
    for on in (True, False, True):
        registry.set_consent(SUBJECT, Purpose.ANALYTICS, on)
    public = registry.keys.signing.public_key()
    registry.db.execute("DELETE FROM consent_ledger WHERE n = 2")
    report = chain.verify(registry.db, "consent_ledger", public)
    assert not report.ok
    assert "missing" in report.reason
    # Rebuild the chain honestly but sign with another key: the signatures betray it.
    registry.db.execute("DELETE FROM consent_ledger")
    chain.append(registry.db, "consent_ledger", Ed25519PrivateKey.generate(), 1.0, "x", None, {})
    report = chain.verify(registry.db, "consent_ledger", public)
    assert not report.ok
    assert "signature" in report.reason


def test_an_event_collected_before_the_grant_in_force_is_refused(home: HubHome) -> None:
    clock = Clock(1_800_000_000.0)
    reg = ConsentRegistry(home, clock=clock)
    reg.confirm_age(SUBJECT, 1990, 2026)
    reg.set_consent(SUBJECT, Purpose.PRESENCE, True)
    assert reg.check_collected(SUBJECT, "presence", clock.now + 1)
    clock.now += 60
    reg.set_consent(SUBJECT, Purpose.PRESENCE, False)
    off_at = clock.now + 5  # collected while presence was off...
    clock.now += 60
    reg.set_consent(SUBJECT, Purpose.PRESENCE, True)
    assert reg.check(SUBJECT, "presence")  # ...the plain check would take it now
    assert not reg.check_collected(SUBJECT, "presence", off_at)
    assert reg.check_collected(SUBJECT, "presence", clock.now - 1)  # within the margin
    assert not reg.check_collected(OTHER, "presence", clock.now)
