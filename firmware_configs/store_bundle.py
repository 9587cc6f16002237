"""A whole store's configs, validated together: what the hub, provisioning and the fleet
security files are made from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from firmware_configs.errors import ConfigError
from firmware_configs.schemas import (
    Beacon,
    BeaconsConfig,
    GatewayConfig,
    HubConfig,
    KioskConfig,
    StoreConfig,
)
from firmware_configs.validation import Finding, validate_paths


class ConfigInvalidError(ConfigError):
    """The configs have mistakes; ``findings`` lists them as ``file:line: field: message``."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        first = str(findings[0]) if findings else "no configs"
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(f"invalid config: {first}{more}")
        self.findings = tuple(findings)


@dataclass(frozen=True, slots=True)
class MqttDevice:
    """A device that speaks MQTT (kiosk or gateway); beacons only advertise."""

    id: str
    kind: Literal["kiosk", "gateway"]


@dataclass(frozen=True, slots=True)
class StoreBundle:
    """One store: its config, hub, kiosks, gateways and beacons, all valid together."""

    store: StoreConfig
    hub: HubConfig | None
    kiosks: tuple[KioskConfig, ...]
    gateways: tuple[GatewayConfig, ...]
    beacons: tuple[Beacon, ...]

    def mqtt_devices(self) -> tuple[MqttDevice, ...]:
        """Every device that needs broker credentials, sorted by id."""
        devices = [MqttDevice(k.id, "kiosk") for k in self.kiosks]
        devices += [MqttDevice(g.id, "gateway") for g in self.gateways]
        return tuple(sorted(devices, key=lambda d: d.id))

    def gateway(self, device_id: str) -> GatewayConfig:
        for gateway in self.gateways:
            if gateway.id == device_id:
                return gateway
        raise ConfigError(f"no gateway {device_id!r} in store {self.store.id!r}")


def load_store(paths: Sequence[Path]) -> StoreBundle:
    """Validate ``paths`` (files or folders) and return the one store they describe.

    Raises :class:`ConfigInvalidError` if any file has a mistake, and
    :class:`ConfigError` unless exactly one store config is among them."""
    report = validate_paths(paths)
    if not report.ok:
        raise ConfigInvalidError(report.findings)
    models = [c.model for c in report.configs]
    stores = [m for m in models if isinstance(m, StoreConfig)]
    if len(stores) != 1:
        raise ConfigError(f"expected one store config among the files, found {len(stores)}")
    hubs = [m for m in models if isinstance(m, HubConfig)]
    return StoreBundle(
        store=stores[0],
        hub=hubs[0] if hubs else None,
        kiosks=tuple(m for m in models if isinstance(m, KioskConfig)),
        gateways=tuple(m for m in models if isinstance(m, GatewayConfig)),
        beacons=tuple(b for m in models if isinstance(m, BeaconsConfig) for b in m.beacons),
    )
