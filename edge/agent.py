"""The edge agent: feature cores hand it events; it commits them to the outbox and the
uplink carries them to the hub. Commands from the hub (purge, config) land here.

The agent is built the same way with real backends or simulated ones: both enter
through :meth:`EdgeAgent.submit`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from edge.errors import EdgeError
from edge.outbox import Accepted, Draft, Outbox
from edge.uplink import RosterHandler, SightingsHandler, StatusSource, Uplink, UplinkSettings
from firmware_configs.config_apply import Activate, DeviceConfigStore
from protocol.enrolment import DeviceIdentity
from protocol.models import Command, CommandAck, ConfigPush, ModelPush, PurgeSubjects

log = logging.getLogger(__name__)

VERSION = "0.1.0"

# Installs a pushed model (checking its hash); returns a line for the cmdack, raises
# EdgeError when the model cannot serve.
ModelInstall = Callable[[ModelPush], str]
# Called with the purged subjects so feature cores drop what they hold about them.
PurgeListener = Callable[[Sequence[str]], None]


class EdgeAgent:
    """One device: outbox + uplink + command handling."""

    def __init__(
        self,
        identity: DeviceIdentity,
        outbox_path: Path,
        *,
        settings: UplinkSettings | None = None,
        limit_bytes: int | None = None,
        on_roster: RosterHandler | None = None,
        on_sightings: SightingsHandler | None = None,
        counters: StatusSource | None = None,
        config_dir: Path | None = None,
        activate: Activate | None = None,
        install_model: ModelInstall | None = None,
    ) -> None:
        self.identity = identity
        kwargs = {} if limit_bytes is None else {"limit_bytes": limit_bytes}
        self.outbox = Outbox(outbox_path, **kwargs)
        # Pushed configs: validated, swapped in atomically, rolled back if ``activate`` fails.
        self.configs = (
            None if config_dir is None else DeviceConfigStore(config_dir, identity.device)
        )
        self._activate = activate or (lambda config: None)
        self._install_model = install_model
        running = self.configs.current() if self.configs else None
        self.uplink = Uplink(
            identity,
            self.outbox,
            version=VERSION,
            settings=settings,
            on_command=self._command,
            on_roster=on_roster,
            on_sightings=on_sightings,
            counters=counters,
            config_version=running.version if running else None,
        )
        if running is not None:
            self._activate(running.config)
        self._purge_listeners: list[PurgeListener] = []
        self._lock = threading.Lock()

    def on_purge(self, listener: PurgeListener) -> None:
        self._purge_listeners.append(listener)

    def start(self) -> None:
        self.uplink.start()

    def stop(self) -> None:
        self.uplink.stop()
        self.outbox.close()

    def submit(self, drafts: Sequence[Draft]) -> list[Accepted]:
        """Commit events (one transaction) before anything is published."""
        return self.outbox.append(drafts)

    def _command(self, command: Command) -> CommandAck:
        body = command.body
        if isinstance(body, PurgeSubjects):
            purposes = [str(p) for p in body.purposes] if body.purposes else None
            n = self.outbox.purge(body.subjects, purposes)
            for listener in self._purge_listeners:
                listener(body.subjects)
            return CommandAck(id=command.id, status="done", detail=f"{n} events tombstoned")
        if isinstance(body, ConfigPush):
            if self.configs is None:
                return CommandAck(id=command.id, status="failed", detail="no config directory")
            result = self.configs.apply(body, self._activate)
            if result.running is not None:
                self.uplink.config_version = result.running.version
            return result.ack(command.id)
        if self._install_model is None:
            return CommandAck(id=command.id, status="failed", detail="no model on this device")
        try:
            detail = self._install_model(body)
        except EdgeError as exc:  # the old model keeps serving
            return CommandAck(id=command.id, status="failed", detail=str(exc))
        return CommandAck(id=command.id, status="applied", detail=detail)
