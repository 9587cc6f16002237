"""Everything consent-related of one hub, built once and wired to the ``HubService``.

consent = ConsentSystem(home)
service = HubService(home, consent=consent.check_collected, protect=consent.protector)
consent.attach(service)               # roster + purges to every edge
root.mount("/s", phone_app(consent))  # the phone pages (hub/web.py does this)
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from hub.consent.auditlog import Clock
from hub.consent.commands import CommandChannel
from hub.consent.history import ShopperHistory
from hub.consent.pairing import PairingCodes
from hub.consent.registry import Change, ConsentRegistry
from hub.consent.retention import RetentionJob, enforce_retention
from hub.consent.settings import ConsentSettings
from hub.consent.shredding import DataProtector, ShopperKeys, keystore_path
from hub.consent.subject_requests import SubjectRequests
from hub.consent.withdrawal import CommandSender, Propagator, RosterTicker
from hub.settings import HubHome
from hub.storage import connect
from protocol.kinds import DeviceKind


class ConsentSystem:
    """Registry, key store, protector, requests, pairing codes and propagation."""

    def __init__(
        self,
        home: HubHome,
        *,
        settings: ConsentSettings | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.home = home
        self.clock = clock
        self.registry = ConsentRegistry(home, settings=settings, clock=clock)
        self.settings = self.registry.settings
        self.keys = ShopperKeys(keystore_path(home), self.registry.keys.wrap)
        self.protector = DataProtector(home, self.keys)
        self.requests = SubjectRequests(self.registry, self.protector)
        self.history = ShopperHistory(self.registry, self.protector)
        self.pairing = PairingCodes(self.settings.pair_ttl_s, clock)
        self.registry.listeners.append(self._returned)
        self.propagator: Propagator | None = None
        self.channel: CommandChannel | None = None
        self._jobs: list[RosterTicker | RetentionJob] = []
        self._devices_db: sqlite3.Connection | None = None
        self._devices_lock = threading.Lock()

    def _returned(self, change: Change) -> None:
        if change.granted:
            self.keys.allow(change.subject)

    def check(self, subject: str, purpose: str) -> bool:
        """Is ``purpose`` granted to ``subject`` right now?"""
        return self.registry.check(subject, purpose)

    def check_collected(self, subject: str, purpose: str, collected_at: float) -> bool:
        """The ``ConsentCheck`` to give ``HubService(consent=...)``: granted now, and the
        event was collected under the grant in force (decision 0405)."""
        return self.registry.check_collected(subject, purpose, collected_at)

    def audit(
        self, actor: str, action: str, subject: str | None, detail: dict[str, Any] | None = None
    ) -> str:
        """Append to the hash-chained audit log (the dashboard's door for staff views)."""
        return self.registry.audit(actor, action, subject, detail)

    def enforce_retention(self, now: float) -> dict[str, int]:
        return enforce_retention(self.registry.db, self.settings, now, self.registry.lock)

    def attach(
        self, service: CommandSender, devices: Callable[[], list[str]] | None = None
    ) -> Propagator:
        """Send roster updates and purges through ``service`` from now on."""
        login = self.home.settings().consent_broker
        if login is not None:
            self.channel = CommandChannel(login, f"hub-{service.store_id}-consent")
            if not self.channel.start():
                self.channel = None  # purges then go out through the hub's own client
        self.propagator = Propagator(
            service, self.registry, devices or self.enrolled_devices, self.clock, self.channel
        )
        self.requests.on_erase.append(self.propagator.erased)
        return self.propagator

    def start_jobs(self) -> None:
        """The roster refresh and the hourly retention job (daemon threads)."""
        if self.propagator is not None:
            self._jobs.append(RosterTicker(self.propagator))
        self._jobs.append(RetentionJob(self.enforce_retention, self.clock))
        for job in self._jobs:
            job.start()

    def kiosk_key(self, device: str) -> str | None:
        """The public key of an enrolled kiosk that is not revoked, else None."""
        with self._devices_lock:
            db = self._devices()
            row = db.execute(
                "SELECT public_key FROM devices WHERE device = ? AND kind = ? "
                "AND revoked_at IS NULL",
                (device, DeviceKind.KIOSK.value),
            ).fetchone()
        return None if row is None else str(row[0])

    def _devices(self) -> sqlite3.Connection:
        if self._devices_db is None:
            self._devices_db = connect(self.home.db_path, readonly=True)
        return self._devices_db

    def enrolled_devices(self) -> list[str]:
        """Every device not revoked, read on a connection of its own: a withdrawal's
        purge never waits for the registry's writes."""
        with self._devices_lock:
            rows = (
                self._devices()
                .execute("SELECT device FROM devices WHERE revoked_at IS NULL ORDER BY device")
                .fetchall()
            )
        return [r[0] for r in rows]

    def close(self) -> None:
        for job in self._jobs:
            job.stop()
        if self.channel is not None:
            self.channel.stop()
        with self._devices_lock:
            if self._devices_db is not None:
                self._devices_db.close()
        self.keys.close()
        self.registry.close()
