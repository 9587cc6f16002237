"""Crypto-shredding, erasure, access, backups with an expiring key store, retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import JsonValue

from hub.consent import backup
from hub.consent.settings import ConsentError, ConsentSettings
from hub.consent.shredding import decrypt, keystore_path, open_keystore
from hub.consent.system import ConsentSystem
from hub.settings import HubHome, HubSettings
from hub.storage import CheckedBatch, EventRow, SqliteEventStore
from protocol.models import Event
from protocol.purposes import Purpose
from protocol.sealing import seal

SUBJECT = "ps_" + "s" * 22
T0 = 1_800_000_000.0
DAY = 86400.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def home(tmp_path: Path) -> HubHome:
    home = HubHome(tmp_path / "hub")
    home.init(HubSettings(store="demo"))
    return home


@pytest.fixture
def system(home: HubHome, clock: Clock) -> ConsentSystem:
    store = SqliteEventStore(home.db_path)
    store.close()
    cs = ConsentSystem(home, settings=ConsentSettings(backup_key_days=30), clock=clock)
    cs.registry.confirm_age(SUBJECT, 1990, 2026)
    return cs


def personal_event(home: HubHome, purpose: Purpose, data: JsonValue, ts: float) -> Event:
    event_id = uuid.uuid4()
    kind = {"presence": "zone.enter", "personal_recs": "scan.personal"}[str(purpose)]
    return Event(
        id=event_id,
        seq=1,
        ts=datetime.fromtimestamp(ts, UTC),
        type=kind,
        purpose=purpose,
        subject=SUBJECT,
        consent="r1",
        data=seal(home.seal_public_key(), str(event_id), SUBJECT, data),
    )


def protect(system: ConsentSystem, event: Event) -> bytes | None:
    """What ingest stores for the personal event's data."""
    assert event.subject is not None
    assert event.data is not None
    return system.protector(str(event.id), event.subject, event.ts.timestamp(), event.data)


def store_events(home: HubHome, system: ConsentSystem, events: list[Event]) -> None:
    store = SqliteEventStore(home.db_path)
    batch = CheckedBatch("kiosk-1", "0" * 32)
    for seq, e in enumerate(events, start=1):
        batch.rows.append(
            EventRow(
                seq,
                str(e.id),
                e.ts.timestamp(),
                e.type,
                e.purpose,
                e.subject,
                "r1",
                b"h" * 16,
                protect(system, e),
            )
        )
    store.commit_group([batch])
    store.close()


def test_protector_re_encrypts_under_the_shoppers_key(home: HubHome, system: ConsentSystem) -> None:
    event = personal_event(home, Purpose.PRESENCE, {"zone": "dairy", "m": "MARK-1"}, T0)
    blob = protect(system, event)
    assert blob is not None
    assert b"MARK-1" not in blob
    assert b"dairy" not in blob
    assert system.protector.open(SUBJECT, str(event.id), blob) == {"zone": "dairy", "m": "MARK-1"}
    key = system.keys.get(SUBJECT, create=False, now=T0)
    assert key is not None
    with pytest.raises(ConsentError):  # bound to its event: cannot be moved to another
        decrypt(key, SUBJECT, str(uuid.uuid4()), blob)


def test_access_returns_everything_held_in_clear_and_is_audited(
    home: HubHome, system: ConsentSystem
) -> None:
    system.registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    store_events(home, system, [personal_event(home, Purpose.PRESENCE, {"m": "MARK-2"}, T0)])
    held = system.requests.export(SUBJECT)
    assert held["consents"]["presence"] is True
    assert [e["data"] for e in held["events"]] == [{"m": "MARK-2"}]
    assert held["receipts"]
    assert held["policy"]["sha256"] == system.registry.policy_sha256
    kinds = [r[0] for r in system.registry.db.execute("SELECT kind FROM audit_log")]
    assert "dsr.access" in kinds


def test_erasure_shreds_every_copy_once_the_last_key_backup_expires(
    home: HubHome, system: ConsentSystem, clock: Clock
) -> None:
    system.registry.set_consent(SUBJECT, Purpose.PERSONAL_RECS, True)
    event = personal_event(home, Purpose.PERSONAL_RECS, {"m": "MARK-3"}, T0)
    store_events(home, system, [event])
    folder = backup.make_backup(home, clock(), 30)
    clock.now += DAY
    report = system.requests.erase(SUBJECT)
    assert report.key_destroyed
    assert report.events_cleared == 1
    assert report.purposes_withdrawn == ["personal_recs"]
    assert report.last_copy_expires is not None
    assert report.last_copy_expires.startswith("2027")
    assert not system.registry.check(SUBJECT, "personal_recs")
    live = system.registry.db.execute("SELECT subject, data FROM events").fetchall()
    assert live == [(None, None)]
    assert system.protector.keys.get(SUBJECT, create=False, now=clock()) is None
    # The backup still opens with its own key store until that expires...
    copy = open_keystore(folder / backup.KEYS_FILE)
    assert copy.execute("SELECT COUNT(*) FROM shopper_keys").fetchone()[0] == 1
    copy.close()
    assert backup.prune(home, clock.now + 28 * DAY) == []
    assert backup.prune(home, clock.now + 30 * DAY) == [folder]
    assert not (folder / backup.KEYS_FILE).exists()
    # ...and the ledger survives as proof, still verifying.
    assert all(r.ok for r in system.registry.verify())
    kinds = [r[0] for r in system.registry.db.execute("SELECT kind FROM audit_log")]
    assert "dsr.erase" in kinds


def test_restore_re_applies_erasures_made_after_the_backup(
    home: HubHome, system: ConsentSystem, clock: Clock
) -> None:
    system.registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    store_events(home, system, [personal_event(home, Purpose.PRESENCE, {"m": "MARK-4"}, T0)])
    folder = backup.make_backup(home, clock(), 30)
    system.requests.erase(SUBJECT)
    system.close()
    assert backup.restore(home, folder, clock.now + DAY) == 1
    keys = open_keystore(keystore_path(home))
    assert keys.execute("SELECT COUNT(*) FROM shopper_keys").fetchone()[0] == 0
    keys.close()
    again = ConsentSystem(home, clock=clock)
    rows = again.registry.db.execute("SELECT subject, data FROM events").fetchall()
    assert rows == [(None, None)]
    assert not again.registry.check(SUBJECT, "presence")


def test_retention_deletes_each_purpose_after_its_own_time(
    home: HubHome, system: ConsentSystem
) -> None:
    events = [
        personal_event(home, Purpose.PRESENCE, {"m": "old-presence"}, T0 - 2 * DAY),
        personal_event(home, Purpose.PERSONAL_RECS, {"m": "old-recs"}, T0 - 2 * DAY),
        personal_event(home, Purpose.PRESENCE, {"m": "new-presence"}, T0 - 3600),
    ]
    store_events(home, system, events)
    deleted = system.enforce_retention(T0)  # presence: 1 day; personal_recs: 180 days
    assert deleted["presence"] == 1
    assert deleted["personal_recs"] == 0
    left = {r[0] for r in system.registry.db.execute("SELECT id FROM events")}
    assert left == {str(events[1].id), str(events[2].id)}
    assert system.enforce_retention(T0 + 181 * DAY)["personal_recs"] == 1


def test_restore_does_not_erase_what_a_returning_shopper_gave_since(
    home: HubHome, system: ConsentSystem, clock: Clock
) -> None:
    system.registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    system.requests.erase(SUBJECT)
    clock.now += DAY
    system.registry.confirm_age(SUBJECT, 1990, 2026)  # the shopper comes back
    system.registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    event = personal_event(home, Purpose.PRESENCE, {"m": "MARK-5"}, clock.now)
    store_events(home, system, [event])
    folder = backup.make_backup(home, clock.now + 1, 30)
    system.close()
    assert backup.restore(home, folder, clock.now + 2) == 0
    again = ConsentSystem(home, clock=clock)
    held = again.requests.export(SUBJECT)
    assert [e["data"] for e in held["events"]] == [{"m": "MARK-5"}]


def test_an_event_checked_just_before_erasure_brings_no_key_back(
    home: HubHome, system: ConsentSystem, clock: Clock
) -> None:
    system.registry.set_consent(SUBJECT, Purpose.PRESENCE, True)
    in_flight = personal_event(home, Purpose.PRESENCE, {"m": "MARK-6"}, clock.now)
    system.requests.erase(SUBJECT)
    assert protect(system, in_flight) is None  # no data kept, no new key made
    assert system.keys.get(SUBJECT, create=False, now=clock.now) is None
    store_events(home, system, [in_flight])  # it was committed after the erasure
    assert system.requests.sweep(SUBJECT, clock.now) == 1
    rows = system.registry.db.execute("SELECT subject, data FROM events").fetchall()
    assert rows == [(None, None)]
    system.registry.confirm_age(SUBJECT, 1990, 2026)
    system.registry.set_consent(SUBJECT, Purpose.PRESENCE, True)  # back: a new key
    assert protect(system, in_flight) is not None
