"""Applying a pushed config on a device: check, validate, swap atomically, roll back on failure.

The hub sends ``ConfigPush{config_version, sha256, config}`` on ``{device}/cmd``. The device:

1. answers ``applied`` at once if it already runs that hash (a QoS 1 redelivery);
2. refuses (``failed``) a config whose SHA-256 does not match, that names a feature excluded
   by design, that fails the schema, or that is for another device — and keeps running
   the one it has;
3. writes the new config beside the old one and swaps them with renames (a power cut
   leaves the old or the new, never half of one);
4. hands it to ``activate``; if that raises, swaps back, re-activates the old config and
   answers ``rolled_back`` with the reason.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import orjson
from pydantic import JsonValue, ValidationError

from firmware_configs.errors import ConfigError
from firmware_configs.not_supported import not_supported_reason
from firmware_configs.schemas import GatewayConfig, KioskConfig
from protocol.models import CommandAck, ConfigPush

DeviceConfig = KioskConfig | GatewayConfig
Activate = Callable[[DeviceConfig], None]  # raises to refuse a config it cannot run
ApplyStatus = Literal["applied", "failed", "rolled_back"]

CURRENT: Final = "config.json"
PREVIOUS: Final = "config.previous.json"
_MAX_ERRORS_SHOWN: Final = 3  # an ack's detail is read on a dashboard, not a log


class ConfigRejectedError(ConfigError):
    """A pushed config cannot be used; the device keeps the one it runs."""


def config_digest(config: Mapping[str, JsonValue]) -> str:
    """SHA-256 of the config as JSON with sorted keys: the hash a ``ConfigPush`` carries."""
    return hashlib.sha256(orjson.dumps(config, option=orjson.OPT_SORT_KEYS)).hexdigest()


def build_push(config: DeviceConfig, config_version: str | None = None) -> ConfigPush:
    """The ``ConfigPush`` for a validated device config (hub side)."""
    data: dict[str, JsonValue] = config.model_dump(mode="json")
    digest = config_digest(data)
    return ConfigPush(config_version=config_version or digest[:12], sha256=digest, config=data)


def parse_device_config(config: Mapping[str, JsonValue], device_id: str) -> DeviceConfig:
    """Validate a pushed config for ``device_id``; raise :class:`ConfigRejectedError`."""
    for word in _words(config):
        reason = not_supported_reason(word)
        if reason is not None:
            raise ConfigRejectedError(f"{word}: {reason}")
    kind = config.get("kind")
    models: dict[str, type[KioskConfig] | type[GatewayConfig]] = {
        "kiosk": KioskConfig,
        "gateway": GatewayConfig,
    }
    model = models.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise ConfigRejectedError(f"kind must be kiosk or gateway, not {kind!r}")
    try:
        parsed: DeviceConfig = model.model_validate(config)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        shown = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
            for e in errors[:_MAX_ERRORS_SHOWN]
        )
        more = (
            f" (and {len(errors) - _MAX_ERRORS_SHOWN} more)"
            if len(errors) > _MAX_ERRORS_SHOWN
            else ""
        )
        raise ConfigRejectedError(f"{shown}{more}") from exc
    if parsed.id != device_id:
        raise ConfigRejectedError(f"the config is for {parsed.id!r}, this device is {device_id!r}")
    return parsed


def _words(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [w for k, v in value.items() for w in (str(k), *_words(v))]
    if isinstance(value, list):
        return [w for item in value for w in _words(item)]
    return []


@dataclass(frozen=True, slots=True)
class AppliedConfig:
    """The config a device runs: its version, hash and parsed model."""

    version: str
    sha256: str
    config: DeviceConfig


@dataclass(frozen=True, slots=True)
class ApplyResult:
    status: ApplyStatus
    detail: str
    running: AppliedConfig | None  # what the device runs afterwards

    def ack(self, command_id: object) -> CommandAck:
        """The ``cmdack`` answer for the command that carried the push."""
        return CommandAck.model_validate(
            {"id": command_id, "status": self.status, "detail": self.detail}
        )


class DeviceConfigStore:
    """A device's config files in ``directory``: the one it runs and the one before."""

    def __init__(self, directory: Path, device_id: str) -> None:
        self.directory = Path(directory)
        self.device_id = device_id
        self.directory.mkdir(parents=True, exist_ok=True)

    def current(self) -> AppliedConfig | None:
        """The config to run: the current file, or the previous one if the current is
        missing or unreadable (a crash between the two renames of an apply)."""
        for name in (CURRENT, PREVIOUS):
            record = self._read(self.directory / name)
            if record is not None:
                return record
        return None

    def apply(self, push: ConfigPush, activate: Activate) -> ApplyResult:
        """Apply ``push`` as described in the module docstring. Never raises for a bad push."""
        running = self.current()
        if running is not None and running.sha256 == push.sha256:
            return ApplyResult("applied", f"already running {running.version}", running)
        if config_digest(push.config) != push.sha256:
            return ApplyResult("failed", "sha256 does not match the config; not applied", running)
        try:
            parsed = parse_device_config(push.config, self.device_id)
        except ConfigRejectedError as exc:
            return ApplyResult("failed", f"invalid config, not applied: {exc}", running)
        new = AppliedConfig(push.config_version, push.sha256, parsed)
        self._swap_in(new, push.config)
        try:
            activate(parsed)
        except Exception as exc:  # any failure to start means: go back
            return self._roll_back(running, activate, f"{type(exc).__name__}: {exc}")
        return ApplyResult("applied", f"running {new.version}", new)

    def _roll_back(self, old: AppliedConfig | None, activate: Activate, why: str) -> ApplyResult:
        previous = self.directory / PREVIOUS
        if old is None:
            (self.directory / CURRENT).unlink(missing_ok=True)
            return ApplyResult("rolled_back", f"{why}; no earlier config to return to", None)
        previous.replace(self.directory / CURRENT)
        self._sync_dir()
        try:
            activate(old.config)
        except Exception as exc:
            return ApplyResult(
                "failed", f"{why}; the old config {old.version} failed too: {exc}", old
            )
        return ApplyResult("rolled_back", f"{why}; back on {old.version}", old)

    def _swap_in(self, new: AppliedConfig, raw: Mapping[str, JsonValue]) -> None:
        # The config as pushed, not as parsed: its hash must still match when read back.
        record = {"version": new.version, "sha256": new.sha256, "config": raw}
        tmp = self.directory / f".{CURRENT}.tmp"
        with tmp.open("wb") as out:
            out.write(orjson.dumps(record, option=orjson.OPT_INDENT_2))
            out.flush()
            os.fsync(out.fileno())
        current = self.directory / CURRENT
        if current.exists():
            current.replace(self.directory / PREVIOUS)
        tmp.replace(current)
        self._sync_dir()

    def _sync_dir(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _read(self, path: Path) -> AppliedConfig | None:
        try:
            record = orjson.loads(path.read_bytes())
            config = parse_device_config(record["config"], self.device_id)
            if config_digest(record["config"]) != record["sha256"]:
                return None
            return AppliedConfig(str(record["version"]), str(record["sha256"]), config)
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ConfigRejectedError):
            return None
