"""The privacy audit's judge: what a run left behind, against what the simulation knows.

Given every MQTT message captured on ``#`` and every file the run left (hub database
and WAL, dead letters, backups, broker persistence, outboxes, logs), count leaks:

- ``stranger``: a stranger's address or advertisement payload, anywhere;
- ``token``: a roster token of a shopper without presence at that moment, or in the
  broker's files after they withdrew;
- ``unconsented``: a stored event of a purpose its shopper never had on;
- ``after_withdrawal``: a stored event created while its purpose was off, or one the
  audit sent after a withdrawal completed;
- ``image``: image bytes (PNG, JPEG/JFIF/Exif) or a camera frame's pixel marker;
- ``marker``: a shopper's marker string in clear anywhere (erased or not, broker files
  included: personal data is only ever sealed or under the shopper's key).

``shredded_readable`` counts erased shoppers' event data that still opens with key
material left on disk (live key store, backup key stores, the hub seal key).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

from hub.consent.settings import ConsentError
from hub.consent.shredding import decrypt
from protocol.errors import SealError, WireFormatError
from protocol.models import Roster
from protocol.sealing import open_sealed

MARKER_RE: Final = re.compile(rb"MKR[0-9a-f]{12}")
STRANGER_TAG: Final = b"STRNGR"  # every stranger's advertisement payload starts with it
FRAME_TAG: Final = b"FRAMEPIXELS"  # every simulated camera frame carries it
MAC_RE: Final = re.compile(rb"(?:[0-9A-F]{2}:){5}[0-9A-F]{2}")
IMAGE_SIGNATURES: Final = (
    re.compile(rb"\x89PNG\r\n\x1a\n"),
    re.compile(rb"\xff\xd8\xff[\xe0\xe1].{2}(?:JFIF|Exif)", re.DOTALL),
    re.compile(re.escape(FRAME_TAG)),
)
SLACK_S: Final = 1.0  # a roster already on its way when a withdrawal lands is not a leak
LEAK_KINDS: Final = ("stranger", "token", "unconsented", "after_withdrawal", "image", "marker")

Interval = tuple[float, float]


@dataclass
class Truth:
    """What the simulation did, for the judge to compare against."""

    markers: dict[bytes, str] = field(default_factory=dict)  # marker -> shopper
    erased: set[str] = field(default_factory=set)  # shoppers
    stranger_addresses: set[bytes] = field(default_factory=set)
    tokens: dict[str, str] = field(default_factory=dict)  # token hex -> shopper
    subjects: dict[str, str] = field(default_factory=dict)  # pseudonym -> shopper
    # (shopper, purpose) -> intervals when the shopper's purpose was on; the end is the
    # moment the phone asked to switch it off (or when its purge finished, for tokens).
    granted: dict[tuple[str, str], list[Interval]] = field(default_factory=dict)
    presence_until_purged: dict[str, list[Interval]] = field(default_factory=dict)
    presence_at_end: set[str] = field(default_factory=set)
    forbidden_events: set[str] = field(default_factory=set)  # ids sent to test refusal
    erased_sealed: list[tuple[str, str, str]] = field(default_factory=list)  # id, subj, blob


@dataclass
class Artifacts:
    messages: list[tuple[float, str, bytes]]  # (received, topic, payload)
    files: list[Path]
    broker_dir: Path
    hub_dbs: list[Path]  # the live database and every backup copy
    key_stores: list[Path]
    wrap_key: bytes
    seal_key: X25519PrivateKey


@dataclass
class Verdict:
    leaks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEAK_KINDS, 0))
    checked: int = 0
    shredded_readable: int = 0
    examples: list[str] = field(default_factory=list)

    def leak(self, kind: str, where: str) -> None:
        self.leaks[kind] += 1
        if len(self.examples) < 20:
            self.examples.append(f"{kind}: {where}")

    @property
    def total(self) -> int:
        return sum(self.leaks.values())


def _inside(t: float, intervals: Iterable[Interval], slack: float = 0.0) -> bool:
    return any(a <= t <= b + slack for a, b in intervals)


def _scan_bytes(blob: bytes, where: str, truth: Truth, verdict: Verdict) -> None:
    verdict.checked += 1
    for m in MARKER_RE.finditer(blob):
        if m.group() in truth.markers:
            verdict.leak("marker", f"{where}: marker of {truth.markers[m.group()]}")
    if STRANGER_TAG in blob or STRANGER_TAG.hex().encode() in blob:
        verdict.leak("stranger", f"{where}: a stranger's payload")
    for m in MAC_RE.finditer(blob):
        if m.group() in truth.stranger_addresses:
            verdict.leak("stranger", f"{where}: a stranger's address")
    for sig in IMAGE_SIGNATURES:
        if sig.search(blob):
            verdict.leak("image", f"{where}: image bytes")


def _check_roster(t: float, payload: bytes, truth: Truth, verdict: Verdict) -> None:
    try:
        roster = Roster.from_bytes(payload)
    except WireFormatError:
        return
    for token in roster.tokens:
        verdict.checked += 1
        shopper = truth.tokens.get(token)
        if shopper is None:
            continue  # not one of ours: nothing to compare
        if not _inside(t, truth.presence_until_purged.get(shopper, []), SLACK_S):
            verdict.leak("token", f"roster at {t:.3f}: token of {shopper} without presence")


def _check_events(db_path: Path, truth: Truth, verdict: Verdict) -> None:
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        rows = db.execute(
            "SELECT id, ts, purpose, subject FROM events WHERE subject IS NOT NULL"
        ).fetchall()
        erased_ids = {r[0] for r in db.execute("SELECT id FROM events WHERE subject IS NULL")}
    except sqlite3.Error:
        rows, erased_ids = [], set()
    finally:
        db.close()
    for event_id, ts, purpose, subject in rows:
        verdict.checked += 1
        if event_id in truth.forbidden_events:
            verdict.leak("after_withdrawal", f"{db_path.name}: refused-by-design event stored")
            continue
        shopper = truth.subjects.get(subject)
        if shopper is None:
            continue
        spans = truth.granted.get((shopper, purpose), [])
        if not spans:
            verdict.leak("unconsented", f"{db_path.name}: {purpose} event of {shopper}")
        elif not _inside(ts, spans):
            verdict.leak("after_withdrawal", f"{db_path.name}: {purpose} event of {shopper}")
    for event_id in erased_ids & truth.forbidden_events:
        verdict.leak("after_withdrawal", f"{db_path.name}: refused-by-design event {event_id}")


def _keys_on_disk(stores: list[Path], wrap_key: bytes) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for path in stores:
        if not path.exists():
            continue
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for subject, wrapped in db.execute("SELECT subject, wrapped FROM shopper_keys"):
                with contextlib.suppress(InvalidUnwrap):
                    found.setdefault(subject, []).append(aes_key_unwrap(wrap_key, bytes(wrapped)))
        except sqlite3.Error:
            pass
        finally:
            db.close()
    return found


def _shredded(art: Artifacts, truth: Truth, blobs: list[bytes], verdict: Verdict) -> None:
    erased_subjects = {s for s, who in truth.subjects.items() if who in truth.erased}
    keys = _keys_on_disk(art.key_stores, art.wrap_key)
    for db_path in art.hub_dbs:
        if not db_path.exists():
            continue
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT id, subject, data FROM events "
                "WHERE subject IS NOT NULL AND data IS NOT NULL"
            ).fetchall()
        except sqlite3.Error:
            rows = []
        finally:
            db.close()
        for event_id, subject, data in rows:
            if subject not in erased_subjects:
                continue
            for key in keys.get(subject, []):
                with contextlib.suppress(ConsentError):
                    decrypt(key, subject, event_id, bytes(data))
                    verdict.shredded_readable += 1
                    break
    # Sealed copies (outboxes, broker queues) open with the hub's seal key forever.
    for event_id, subject, sealed in truth.erased_sealed:
        needle = sealed[:48].encode()
        if any(needle in blob for blob in blobs):
            with contextlib.suppress(SealError):
                open_sealed(art.seal_key, event_id, subject, sealed)
                verdict.shredded_readable += 1


def judge(art: Artifacts, truth: Truth) -> Verdict:
    """Count every leak in ``art`` and every erased record still readable."""
    verdict = Verdict()
    for t, topic, payload in art.messages:
        _scan_bytes(payload, f"mqtt {topic}", truth, verdict)
        if topic.endswith("/roster"):
            _check_roster(t, payload, truth, verdict)
    blobs: list[bytes] = []
    for path in art.files:
        try:
            blob = path.read_bytes()
        except OSError:
            continue
        blobs.append(blob)
        _scan_bytes(blob, str(path), truth, verdict)
        if path.is_relative_to(art.broker_dir):
            for token, shopper in truth.tokens.items():
                if shopper not in truth.presence_at_end and token.encode() in blob:
                    verdict.leak("token", f"{path}: token of {shopper} after withdrawal")
    for db_path in art.hub_dbs:
        _check_events(db_path, truth, verdict)
    _shredded(art, truth, blobs, verdict)
    return verdict
