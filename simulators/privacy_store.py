"""The privacy audit's simulated store: a real broker, the real hub (``instore-hub run``
with its HTTPS consent center, a process of its own), 20 edge agents, shoppers with
phones and strangers' phones.

The edge agents (the real ``EdgeAgent``: outbox, uplink, purge handling) and the
simulated phones run in this process; Mosquitto, the hub and the audit's MQTT
subscriber run in their own. Shoppers use the phone pages over HTTPS; kiosks learn a
shopper's pseudonym by redeeming their pairing code at the hub; gateways keep only
advertisements whose token is on the roster (``edge.presence.roster``). Every shopper's
event data carries their marker string, sealed at the edge.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
from bleak.backends.scanner import AdvertisementData
from pydantic import JsonValue

from edge.agent import EdgeAgent
from edge.errors import EdgeError
from edge.outbox import Draft
from edge.presence.roster import RosterFilter
from edge.uplink import UplinkSettings
from hub.consent.pairing import code_on_page
from hub.fleet.broker_config import BrokerSettings
from hub.fleet.store_security import create_store_security
from hub.registry import enrol_device
from hub.settings import HubHome, HubSettings
from protocol.ble_token import service_uuid, tokens_around
from protocol.enrolment import BrokerAddress, DeviceIdentity
from protocol.kinds import DeviceKind
from protocol.models import Roster
from protocol.pairing import REDEEM_PATH, signed_redeem
from protocol.purposes import Purpose
from protocol.sealing import seal, x25519_public_from_text
from protocol.signing import private_key_from_text
from protocol.topics import HUB_CONSENT_ID, HUB_ID
from simulators.broker import Mosquitto
from simulators.errors import SimError
from simulators.net import free_port, wait_for_port
from simulators.privacy_capture import Capture, Message, PurgeWatch
from simulators.privacy_scan import STRANGER_TAG, Truth

CHAIN_PREFIX: Final = bytes.fromhex("1a2b3c4d5e6f7081")
STORE: Final = "audit"
AUDIT: Final = "wiretap"  # the audit's read-only broker login
PURGE_TIMEOUT_S: Final = 10.0  # a purge not answered by every edge by then fails the run
HUB_START_S: Final = 30.0
ZONES: Final = ("entrance", "dairy", "bakery", "produce", "checkout")
# Research opt-in rates (F7 in docs/architecture.md): about a quarter opt in to something;
# each purpose is then chosen separately, presence and history most often.
OPT_IN_RATE: Final = 0.25
PURPOSE_RATES: Final[dict[Purpose, float]] = {
    Purpose.PRESENCE: 0.6,
    Purpose.PERSONAL_RECS: 0.5,
    Purpose.PICKUP_OFFERS: 0.4,  # F3: 40 % want suggestions at pickup
    Purpose.ANALYTICS: 0.45,
}
ADDRESS_ROTATION_S: Final = 4.0  # compressed from the phones' ~15 minutes


@dataclass
class Shopper:
    name: str
    marker: str
    secret: str = ""
    subject: str | None = None
    on: dict[Purpose, str] = field(default_factory=dict)  # purpose -> receipt id
    erased: bool = False
    ble_key: bytes | None = None
    address: str = ""
    address_at: float = 0.0
    quiet_until: float = 0.0  # no re-grant before the last purge has settled
    allowed: set[Purpose] = field(default_factory=set)  # what this shopper ever switches on
    events: int = 0

    @property
    def cookie(self) -> dict[str, str]:
        return {"cookie": f"instore_phone={self.secret}"}


@dataclass
class Device:
    agent: EdgeAgent
    kind: DeviceKind
    seal_key: Any
    filter: RosterFilter | None = None
    forgotten: set[str] = field(default_factory=set)


class AuditStore:
    """Starts, drives and stops the simulated store under ``root``."""

    def __init__(self, root: Path, *, devices: int, seed: int, keep_key_days: int = 30) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.n_devices = devices
        self.keep_key_days = keep_key_days
        self.home = HubHome(root / "hub")
        self.truth = Truth()
        self.messages: list[tuple[float, str, bytes]] = []
        self.devices: dict[str, Device] = {}
        self.broker: Mosquitto | None = None
        self.hub: subprocess.Popen[bytes] | None = None
        self.watch = PurgeWatch()
        self._capture: Capture | None = None
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        self._sealed: dict[str, list[tuple[str, str, str]]] = {}
        self.errors: list[str] = []

    # -- start ----------------------------------------------------------------------------

    def start(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        port = free_port()
        broker_dir = self.root / "broker"
        broker_dir.mkdir()
        # Mosquitto started as root drops to the "mosquitto" user: let it write its
        # persistence and log here, or there would be no broker files to audit.
        broker_dir.chmod(0o777)
        kiosks = max(1, self.n_devices * 3 // 10)
        ids = [f"kiosk-{i + 1}" for i in range(kiosks)]
        ids += [f"gateway-{i + 1}" for i in range(self.n_devices - kiosks)]
        # The store's broker as a store runs it: a password each and the ACL; the audit's
        # wiretap is a reader, which may read the whole store and publish nothing.
        security = create_store_security(self.root / "security", STORE, ids, readers=[AUDIT])
        logins = {
            u: BrokerAddress(port=port, username=u, password=pw)
            for u, pw in security.passwords.items()
        }
        self.broker = Mosquitto(
            BrokerSettings(
                data_dir=broker_dir,
                port=port,
                password_file=security.files.password_file,
                acl_file=security.files.acl_file,
            )
        )
        self.broker.start()
        self.home.init(
            HubSettings(store=STORE, broker=logins[HUB_ID], consent_broker=logins[HUB_CONSENT_ID])
        )
        paths = {}
        for device in ids:
            kind = DeviceKind.KIOSK if device.startswith("kiosk") else DeviceKind.GATEWAY
            paths[device] = enrol_device(self.home, device, kind, broker=logins[device])
        self._capture = Capture(port, (AUDIT, security.passwords[AUDIT]), self._captured)
        self._capture.start()
        self._start_hub()
        settings = UplinkSettings(linger_s=0.002, ack_timeout_s=3.0)
        for device, path in paths.items():
            identity = DeviceIdentity.read(path)
            agent = EdgeAgent(
                identity, self.root / "edge" / device / "outbox.db", settings=settings
            )
            dev = Device(agent, identity.kind, x25519_public_from_text(identity.hub_seal_key))
            if identity.kind is DeviceKind.GATEWAY:
                dev.filter = RosterFilter(CHAIN_PREFIX)
            agent.on_purge(self._forget(dev))
            self.devices[device] = dev
            agent.start()
        for dev in self.devices.values():
            if not dev.agent.uplink.wait_connected(10):
                raise SimError(f"{dev.agent.identity.device} did not connect")

    @staticmethod
    def _forget(dev: Device) -> Callable[[Sequence[str]], None]:
        def drop(subjects: Sequence[str]) -> None:
            dev.forgotten.update(subjects)

        return drop

    def _captured(self, msg: Message) -> None:
        wall, mono, topic, payload = msg
        self.messages.append((wall, topic, payload))
        if topic.endswith("/roster") and payload:
            roster = Roster.from_bytes(payload)
            for dev in self.devices.values():
                if dev.filter is not None:
                    dev.filter.update(roster)
        self.watch.seen(mono, topic, payload)

    def _start_hub(self) -> None:
        """``instore-hub run`` with a self-signed certificate, as a process."""
        port = free_port()
        log = self.root / "logs" / "hub.log"
        log.parent.mkdir(exist_ok=True)
        args = ["run", "--data", str(self.home.root), "--http", f"127.0.0.1:{port}"]
        with log.open("ab") as out:
            self.hub = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "hub", *args, "--self-signed"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=os.environ | {"PYTHONUNBUFFERED": "1"},
            )
        if not wait_for_port("127.0.0.1", port, HUB_START_S):
            raise SimError(f"the hub did not start; see {log}")
        cert = self.home.root / "keys" / "https.crt"
        self._http = httpx.Client(
            base_url=f"https://127.0.0.1:{port}",
            verify=ssl.create_default_context(cafile=str(cert)),
        )

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            raise SimError("the consent center is not running")
        return self._http

    # -- phones ---------------------------------------------------------------------------

    def visit(self, shopper: Shopper) -> None:
        self.http.cookies.clear()  # one client for every phone: each phone sends its own
        resp = self.http.get("/s/")
        shopper.secret = resp.cookies["instore_phone"]
        self.http.cookies.clear()

    def opt_in(self, shopper: Shopper, purposes: list[Purpose], birth_year: int = 1985) -> None:
        self.http.post("/s/age", data={"birth_year": str(birth_year)}, headers=shopper.cookie)
        page = self.http.get("/s/pair", headers=shopper.cookie).text
        code = code_on_page(page)
        if code is None:
            raise SimError("the pairing page shows no code")
        # A kiosk reads the QR code and asks the hub whose it is, signed with its key.
        kiosk = self.devices["kiosk-1"].agent.identity
        body, headers = signed_redeem(
            kiosk.device, private_key_from_text(kiosk.signing_key), code, time.time()
        )
        paired = self.http.post(REDEEM_PATH, content=body, headers=headers)
        if paired.status_code != 200:
            raise SimError(f"a pairing code did not redeem: {paired.text}")
        shopper.subject = paired.json()["subject"]
        self.truth.subjects[shopper.subject] = shopper.name
        shopper.allowed = set(purposes)
        for purpose in purposes:
            self.grant(shopper, purpose)

    def grant(self, shopper: Shopper, purpose: Purpose) -> None:
        start = time.time()
        resp = self.http.post(f"/s/consent/{purpose}", json={"on": True}, headers=shopper.cookie)
        if resp.status_code != 200:
            raise SimError(f"consent switch refused: {resp.text}")
        shopper.on[purpose] = resp.json()["receipt"]
        self.truth.granted.setdefault((shopper.name, str(purpose)), []).append((start, 1e18))
        if purpose is Purpose.PRESENCE:
            self.truth.presence_until_purged.setdefault(shopper.name, []).append((start, 1e18))
            key = self.http.get("/s/ble-key", headers=shopper.cookie).json()["key"]
            shopper.ble_key = bytes.fromhex(key)
            for token in tokens_around(shopper.ble_key, time.time(), spread=2).values():
                self.truth.tokens[token.hex()] = shopper.name

    def withdraw(self, shopper: Shopper, purpose: Purpose) -> float:
        """Switch ``purpose`` off on the phone page; return ms until every edge purged."""
        subject = _subject(shopper)
        shopper.on.pop(purpose, None)
        began = time.monotonic()
        resp = self.http.post(f"/s/consent/{purpose}", json={"on": False}, headers=shopper.cookie)
        if resp.status_code != 200:
            raise SimError(f"withdrawal refused: {resp.text}")
        # Switched off by the time the answer came: anything created later must be refused.
        _close(self.truth.granted[(shopper.name, str(purpose))], time.time())
        finished = self.watch.wait(subject, began, len(self.devices), PURGE_TIMEOUT_S)
        if finished is None:
            raise SimError("a purge was not acknowledged by every edge within 10 s")
        if purpose is Purpose.PRESENCE:
            _close(self.truth.presence_until_purged[shopper.name], time.time())
        # Events refused by design (sent just after this) must settle before a re-grant.
        shopper.quiet_until = time.time() + 5.0
        return (finished - began) * 1000.0

    def erase(self, shopper: Shopper) -> dict[str, Any]:
        shopper.on.clear()
        shopper.erased = True
        self.truth.erased.add(shopper.name)
        headers = shopper.cookie | {"accept": "application/json"}
        began = time.monotonic()
        report: dict[str, Any] = self.http.post("/s/erase", headers=headers).json()
        for spans in (self.truth.granted.get((shopper.name, str(p)), []) for p in Purpose):
            _close(spans, time.time())
        if self.watch.wait(_subject(shopper), began, len(self.devices), PURGE_TIMEOUT_S) is None:
            raise SimError("an erasure's purge was not acknowledged by every edge within 10 s")
        if shopper.name in self.truth.presence_until_purged:
            _close(self.truth.presence_until_purged[shopper.name], time.time())
        return report

    # -- edges ----------------------------------------------------------------------------

    def personal(  # noqa: PLR0917 - the fields of one event
        self,
        dev: Device,
        shopper: Shopper,
        kind: str,
        purpose: Purpose,
        ts: float | None,
        consent: str,
    ) -> Draft:
        """A sealed personal event carrying the shopper's marker, made at ``ts`` (or now:
        after the caller read the shopper's switches, so the time is never earlier)."""
        ts = time.time() if ts is None else ts
        subject = _subject(shopper)
        event_id = uuid.uuid4()
        shopper.events += 1
        body: dict[str, JsonValue] = {
            "zone": self.rng.choice(ZONES),
            "marker": shopper.marker,
            "n": shopper.events,
        }
        sealed = seal(dev.seal_key, str(event_id), subject, body)
        with self._lock:
            self._sealed.setdefault(shopper.name, []).append(
                (str(event_id), subject, sealed["sealed"])
            )
        return Draft(
            type=kind,
            ts=ts,
            subject=subject,
            purpose=str(purpose),
            consent=consent,
            data=sealed,
            id=event_id,
        )

    def traffic_tick(self, shoppers: list[Shopper], strangers: list[Shopper], now: float) -> None:
        """One round of adverts at every gateway and scans at every kiosk."""
        opted = [s for s in shoppers if s.subject and not s.erased]
        for name, dev in self.devices.items():
            drafts: list[Draft] = []
            if dev.filter is not None:
                self._gateway_round(dev, dev.filter, opted, strangers, now, drafts)
            else:
                self._kiosk_round(dev, opted, now, drafts)
                drafts.append(Draft(type="scan", ts=now, data={"gtin": "4006381333931"}))
            if drafts:
                try:
                    dev.agent.submit(drafts)
                except EdgeError as exc:
                    raise SimError(f"{name}: {exc}") from exc

    def _gateway_round(  # noqa: PLR0917 - one gateway's round and where it writes
        self,
        dev: Device,
        roster: RosterFilter,
        opted: list[Shopper],
        strangers: list[Shopper],
        now: float,
        drafts: list[Draft],
    ) -> None:
        for stranger in self.rng.sample(strangers, min(6, len(strangers))):
            if now - stranger.address_at > ADDRESS_ROTATION_S:
                stranger.address = _address(self.rng)
                stranger.address_at = now
                self.truth.stranger_addresses.add(stranger.address.encode())
            payload = STRANGER_TAG + stranger.marker.encode()[3:9]
            adv = AdvertisementData(None, {0xFFFF: payload}, {}, [], None, -70, ())
            roster.admit(adv, -70, now, stranger.address)
        by_token = {}
        for shopper in self.rng.sample(opted, min(3, len(opted))):
            if shopper.ble_key is None:
                continue
            token = tokens_around(shopper.ble_key, now, spread=0)
            tok = next(iter(token.values()))
            by_token[tok.hex()] = shopper
            adv = AdvertisementData(None, {}, {}, [service_uuid(CHAIN_PREFIX, tok)], None, -60, ())
            sighting = roster.admit(adv, -60, now, _address(self.rng))
            if sighting is None or sighting.id not in by_token:
                continue
            seen = by_token[sighting.id]
            receipt = seen.on.get(Purpose.PRESENCE)
            if seen.subject in dev.forgotten and receipt is None:
                continue
            # The gateway trusts the roster: the event goes out even if the phone has just
            # switched presence off. The hub must refuse it.
            consent = receipt or "withdrawn-receipt"
            drafts.append(self.personal(dev, seen, "zone.enter", Purpose.PRESENCE, None, consent))
            if Purpose.ANALYTICS in seen.on:
                drafts.append(
                    self.personal(
                        dev, seen, "zone.dwell", Purpose.ANALYTICS, None, seen.on[Purpose.ANALYTICS]
                    )
                )
        drafts.append(Draft(type="footfall", ts=now, data={"zone": "entrance", "count": 1}))

    def _kiosk_round(
        self, dev: Device, opted: list[Shopper], now: float, drafts: list[Draft]
    ) -> None:
        for shopper in self.rng.sample(opted, min(3, len(opted))):
            on = dict(shopper.on)
            if Purpose.PERSONAL_RECS in on:
                drafts.append(
                    self.personal(
                        dev,
                        shopper,
                        "scan.personal",
                        Purpose.PERSONAL_RECS,
                        None,
                        on[Purpose.PERSONAL_RECS],
                    )
                )
            if Purpose.PICKUP_OFFERS in on:
                drafts.append(
                    self.personal(
                        dev,
                        shopper,
                        "pickup",
                        Purpose.PICKUP_OFFERS,
                        None,
                        on[Purpose.PICKUP_OFFERS],
                    )
                )
            never = (Purpose.PERSONAL_RECS, Purpose.PICKUP_OFFERS)
            missing = [p for p in never if p not in shopper.allowed]
            if missing and self.rng.random() < 0.2:
                # A buggy kiosk: an event of a purpose this shopper never switches on.
                purpose = missing[0]
                kind = "scan.personal" if purpose is Purpose.PERSONAL_RECS else "pickup"
                draft = self.personal(dev, shopper, kind, purpose, None, "not-a-receipt")
                self.truth.forbidden_events.add(str(draft.id))
                drafts.append(draft)

    def late_events(self, shopper: Shopper, purpose: Purpose, created: float) -> None:
        """Events of a just-withdrawn purpose, created before and after it, sent now."""
        dev = self.devices[self.rng.choice(list(self.devices))]
        kind = {
            Purpose.PRESENCE: "zone.enter",
            Purpose.PERSONAL_RECS: "scan.personal",
            Purpose.PICKUP_OFFERS: "pickup",
            Purpose.ANALYTICS: "zone.dwell",
        }[purpose]
        drafts = [
            self.personal(dev, shopper, kind, purpose, created, "old-receipt"),
            self.personal(dev, shopper, kind, purpose, time.time(), "old-receipt"),
        ]
        for d in drafts:
            self.truth.forbidden_events.add(str(d.id))
        dev.agent.submit(drafts)

    def drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(d.agent.outbox.depth == 0 for d in self.devices.values()):
                return True
            time.sleep(0.1)
        return False

    # -- stop -----------------------------------------------------------------------------

    def stop(self) -> None:
        for dev in self.devices.values():
            dev.agent.stop()
        if self._http is not None:
            self._http.close()
        if self.hub is not None and self.hub.poll() is None:
            self.hub.send_signal(signal.SIGTERM)
            try:
                self.hub.wait(20)
            except subprocess.TimeoutExpired:
                self.hub.kill()
                self.hub.wait()
        if self._capture is not None:
            self._capture.stop()
        if self.broker is not None:
            self.broker.stop()

    def sealed_of(self, name: str) -> list[tuple[str, str, str]]:
        return self._sealed.get(name, [])


def _subject(shopper: Shopper) -> str:
    if shopper.subject is None:
        raise SimError(f"{shopper.name} has not paired, so no edge knows their pseudonym")
    return shopper.subject


def _close(spans: list[tuple[float, float]], at: float) -> None:
    if spans and spans[-1][1] >= 1e18:
        spans[-1] = (spans[-1][0], at)


def _address(rng: random.Random) -> str:
    raw = bytearray(rng.randbytes(6))
    raw[0] = (raw[0] & 0x3F) | 0x40  # a resolvable private address, as phones rotate them
    return ":".join(f"{b:02X}" for b in raw)


def marker(rng: random.Random) -> str:
    return "MKR" + rng.randbytes(6).hex()
