"""The privacy audit can fail: each kind of leak, planted, is counted."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from hub.consent.shredding import encrypt, open_keystore
from hub.storage import CheckedBatch, EventRow, SqliteEventStore
from protocol.models import Roster
from protocol.sealing import seal
from simulators.privacy_scan import Artifacts, Truth, judge

ALICE = "ps_" + "A" * 22  # opted in to presence and personal_recs
BOB = "ps_" + "B" * 22  # erased
T = 1_800_000_000.0
ALICE_MARK = b"MKR0123456789ab"
BOB_MARK = b"MKRba9876543210"
STRANGER_ADDR = b"4A:11:22:33:44:55"
TOKEN_OF_NOBODY = "00112233aabbccdd"


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.broker = root / "broker"
        self.broker.mkdir(parents=True)
        self.wrap = os.urandom(32)
        self.seal = X25519PrivateKey.generate()
        self.db = root / "hub.db"
        self.keys = root / "shopper-keys.db"
        self.bob_key = os.urandom(32)
        self.rows: list[EventRow] = []
        self.messages: list[tuple[float, str, bytes]] = []
        self.truth = Truth(
            markers={ALICE_MARK: "alice", BOB_MARK: "bob"},
            erased={"bob"},
            stranger_addresses={STRANGER_ADDR},
            tokens={TOKEN_OF_NOBODY: "carol", "ffeeddccbbaa9988": "alice"},
            subjects={ALICE: "alice", BOB: "bob"},
            granted={
                ("alice", "presence"): [(T, T + 100)],
                ("alice", "personal_recs"): [(T, T + 100)],
                ("bob", "presence"): [(T, T + 50)],
            },
            presence_until_purged={"alice": [(T, T + 101)]},
            presence_at_end=set(),
        )
        store = open_keystore(self.keys)
        store.execute(
            "INSERT INTO shopper_keys VALUES (?, ?, ?)",
            (BOB, aes_key_wrap(self.wrap, self.bob_key), T),
        )
        store.close()

    def event(self, subject: str, purpose: str, ts: float, data: bytes | None = None) -> str:
        event_id = str(uuid.uuid4())
        kind = "zone.enter" if purpose == "presence" else "scan.personal"
        self.rows.append(
            EventRow(len(self.rows) + 1, event_id, ts, kind, purpose, subject, "r", b"h" * 16, data)
        )
        return event_id

    def judge(self) -> tuple[int, dict[str, int], int]:
        store = SqliteEventStore(self.db)
        batch = CheckedBatch("gw-1", "0" * 32, rows=self.rows)
        store.commit_group([batch])
        store.close()
        art = Artifacts(
            messages=self.messages,
            files=[p for p in self.root.rglob("*") if p.is_file()],
            broker_dir=self.broker,
            hub_dbs=[self.db],
            key_stores=[self.keys],
            wrap_key=self.wrap,
            seal_key=self.seal,
        )
        verdict = judge(art, self.truth)
        return verdict.total, verdict.leaks, verdict.shredded_readable


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path)
    # What a clean run leaves: Alice's event inside her consent, a roster with her token
    # while presence was on, sealed traffic, nothing of strangers.
    w.event(ALICE, "presence", T + 10, b"SK1 ciphertext")
    w.messages.append(
        (T + 5, "instore/v1/s/roster", Roster(windows=[1], tokens=["ffeeddccbbaa9988"]).to_bytes())
    )
    w.messages.append((T + 6, "instore/v1/s/gw-1/evt", b'{"data":{"sealed":"abc"}}'))
    return w


def test_a_clean_run_has_no_leaks(world: World) -> None:
    total, leaks, readable = world.judge()
    assert (total, readable) == (0, 0), leaks


@pytest.mark.parametrize(
    ("plant", "kind"),
    [
        ("stranger_address_in_log", "stranger"),
        ("stranger_payload_on_mqtt", "stranger"),
        ("token_without_presence", "token"),
        ("token_in_broker_after_withdrawal", "token"),
        ("event_never_consented", "unconsented"),
        ("event_after_withdrawal", "after_withdrawal"),
        ("refused_event_stored", "after_withdrawal"),
        ("png_in_outbox", "image"),
        ("jpeg_on_mqtt", "image"),
        ("erased_marker_in_backup", "marker"),
        ("marker_in_broker_file", "marker"),
    ],
)
def test_each_planted_leak_is_counted(world: World, plant: str, kind: str) -> None:
    if plant == "stranger_address_in_log":
        (world.root / "hub.log").write_bytes(b"saw " + STRANGER_ADDR + b" rssi -70\n")
    elif plant == "stranger_payload_on_mqtt":
        world.messages.append((T, "instore/v1/s/gw-1/evt", b"STRNGR\x01\x02"))
    elif plant == "token_without_presence":
        roster = Roster(windows=[1], tokens=[TOKEN_OF_NOBODY]).to_bytes()
        world.messages.append((T + 7, "instore/v1/s/roster", roster))
    elif plant == "token_in_broker_after_withdrawal":
        (world.broker / "mosquitto.db").write_bytes(b"..ffeeddccbbaa9988..")
    elif plant == "event_never_consented":
        world.event(ALICE, "analytics", T + 10)
    elif plant == "event_after_withdrawal":
        world.event(ALICE, "personal_recs", T + 150)
    elif plant == "refused_event_stored":
        world.truth.forbidden_events.add(world.event(ALICE, "presence", T + 20))
    elif plant == "png_in_outbox":
        (world.root / "outbox.db").write_bytes(b"\x00" * 10 + b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    elif plant == "jpeg_on_mqtt":
        world.messages.append((T, "instore/v1/s/kiosk-1/evt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
    elif plant == "erased_marker_in_backup":
        (world.root / "backup.db").write_bytes(b"xx" + BOB_MARK + b"yy")
    elif plant == "marker_in_broker_file":
        (world.broker / "mosquitto.db").write_bytes(b"{" + ALICE_MARK + b"}")
    total, leaks, _ = world.judge()
    assert total >= 1
    assert leaks[kind] >= 1, leaks


def test_erased_data_still_readable_is_counted(world: World) -> None:
    bob_event = world.event(BOB, "presence", T + 10)
    blob = encrypt(world.bob_key, BOB, bob_event, b'{"m":"x"}')
    world.rows[-1] = world.rows[-1]._replace(data=blob)
    sealed_id = str(uuid.uuid4())
    sealed = seal(world.seal.public_key(), sealed_id, BOB, {"m": "y"})["sealed"]
    world.truth.erased_sealed.append((sealed_id, BOB, sealed))
    (world.root / "outbox.db").write_bytes(b"..." + sealed.encode() + b"...")
    _, _, readable = world.judge()
    assert readable == 2


def test_shredded_data_without_its_key_is_not_readable(world: World) -> None:
    bob_event = world.event(BOB, "presence", T + 10)
    blob = encrypt(os.urandom(32), BOB, bob_event, b'{"m":"x"}')  # the key is gone
    world.rows[-1] = world.rows[-1]._replace(data=blob)
    world.keys.unlink()
    assert world.judge()[2] == 0
