"""Pydantic schemas for the YAML configs of a store: store, hub, kiosk, gateway and beacons.

Every model forbids unknown keys and is strict about types (YAML ``"5"`` is not the
number 5), so a typo fails validation instead of silently becoming a default. One
file holds one config; its ``kind`` says which.
"""

from __future__ import annotations

import zoneinfo
from typing import Annotated, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    field_validator,
    model_validator,
)

from domain.languages import Language as LanguageCode
from protocol.topics import DEVICE_ID_PATTERN, HUB_ID

_ID_RE: Final = f"^{DEVICE_ID_PATTERN}$"

StoreId = Annotated[str, Field(pattern=_ID_RE, description="Store id, [a-z0-9-]{1,40}.")]
DeviceId = Annotated[
    str,
    Field(pattern=_ID_RE, description="Device id, [a-z0-9-]{1,40}; 'hub' is reserved."),
]
ZoneId = Annotated[str, Field(pattern=_ID_RE, description="A zone id declared in store.yaml.")]
Port = Annotated[int, Field(ge=1, le=65535)]
# BLE 5 legacy advertising: 20 ms to 10.24 s in 0.625 ms steps; we take whole ms.
AdvIntervalMs = Annotated[int, Field(ge=20, le=10240)]
# Transmit power a beacon chip can be set to (nRF52 and ESP32 span -40..+8 dBm).
TxPowerDbm = Annotated[int, Field(ge=-40, le=8)]
# YAML gives the code as a string: the one place a config field is not strict.
Language = Annotated[LanguageCode, Strict(False)]
# Calibrated RSSI at 1 m (iBeacon "measured power", Eddystone "ranging data" is at 0 m).
MeasuredPowerDbm = Annotated[int, Field(ge=-100, le=0)]

_STRICT: Final = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Section(BaseModel):
    model_config = _STRICT


def _not_hub(value: str) -> str:
    if value == HUB_ID:
        raise ValueError("'hub' is reserved for the hub and cannot name a device")
    return value


# --- store ---------------------------------------------------------------------------


class Zone(_Section):
    """An area of the shop floor that presence and maps speak of."""

    id: ZoneId
    name: str = Field(min_length=1, max_length=80)
    level: int = Field(default=0, ge=-5, le=200)


class BleSettings(_Section):
    """The opt-in token frame shared by phones and gateways (docs/ble-token.md)."""

    token_prefix: str = Field(
        pattern="^[0-9a-f]{16}$",
        description="First 8 bytes (16 hex digits) of the 128-bit service UUID the app advertises.",
    )
    # 900 s: the OS rotates BLE addresses on about the same period; tokens rotate with it.
    window_s: int = Field(default=900, ge=60, le=3600)


class BrokerSettings(_Section):
    """Where edges find the store's MQTT broker."""

    host: str = Field(min_length=1, max_length=253)
    port: Port = 1883
    tls_port: Port | None = 8883


class StoreConfig(_Section):
    """The store: its zones, languages, broker and BLE token settings."""

    kind: Literal["store"]
    version: int = Field(default=1, ge=1, description="Raise on every change; pushed to devices.")
    id: StoreId
    name: str = Field(min_length=1, max_length=80)
    timezone: str = Field(description="IANA time zone, e.g. Europe/Stockholm.")
    languages: list[Language] = Field(min_length=1)
    default_language: Language = LanguageCode.EN
    zones: list[Zone] = Field(min_length=1)
    ble: BleSettings
    broker: BrokerSettings

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> StoreConfig:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language '{self.default_language}' is not in languages")
        return self


# --- hub -----------------------------------------------------------------------------


class Retention(_Section):
    events_days: int = Field(default=30, ge=1, le=400)
    dead_letter_days: int = Field(default=14, ge=1, le=90)


class AnalyticsSettings(_Section):
    # k = 10 is the design's floor: staff never see a group of fewer distinct shoppers.
    k_anonymity: int = Field(default=10, ge=10, le=1000)
    daily_epsilon: float = Field(default=1.0, gt=0.0, le=10.0)


class HubConfig(_Section):
    """The store hub: where it listens, what it keeps and for how long."""

    kind: Literal["hub"]
    store: StoreId
    listen_host: str = "127.0.0.1"
    listen_port: Port = 8080
    retention: Retention = Retention()
    analytics: AnalyticsSettings = AnalyticsSettings()
    # 15 s heartbeats; a device is offline after 2.5 missed beats (the wire protocol).
    heartbeat_s: int = Field(default=15, ge=5, le=300)
    # 2 s: rotating BLE tokens and signatures start to fail beyond it.
    clock_offset_alarm_s: float = Field(default=2.0, gt=0.0, le=60.0)
    max_offers_per_visit: int = Field(default=3, ge=0, le=5)


# --- kiosk ---------------------------------------------------------------------------


class CameraSettings(_Section):
    source: int | str = Field(default=0, description="cv2.VideoCapture index or device path.")
    width: int = Field(default=1280, ge=160, le=3840)
    height: int = Field(default=720, ge=120, le=2160)
    fps: int = Field(default=15, ge=1, le=60)
    # A decode slower than this is killed (OpenCV calls cannot be cancelled from a thread).
    frame_deadline_ms: int = Field(default=250, ge=20, le=2000)


class ScannerSettings(_Section):
    hid: bool = Field(default=True, description="Accept a USB keyboard-wedge scanner.")


def _english() -> list[Language]:
    return [LanguageCode.EN]


class KioskUi(_Section):
    port: Port = 8090
    languages: list[Language] = Field(default_factory=_english, min_length=1)
    idle_timeout_s: int = Field(default=90, ge=10, le=600)


class KioskConfig(_Section):
    """A kiosk: camera and scanner for product scans, a screen, its zone."""

    kind: Literal["kiosk"]
    id: DeviceId
    store: StoreId
    zone: ZoneId
    camera: CameraSettings = CameraSettings()
    scanner: ScannerSettings = ScannerSettings()
    ui: KioskUi = KioskUi()
    heartbeat_s: int = Field(default=15, ge=5, le=300)

    _check_id = field_validator("id")(_not_hub)


# --- gateway -------------------------------------------------------------------------


class Position(_Section):
    """Where a receiver hangs, in metres in the store frame."""

    x: float = Field(ge=-10000.0, le=10000.0)
    y: float = Field(ge=-10000.0, le=10000.0)
    level: int = Field(default=0, ge=-5, le=200)


class ScanSettings(_Section):
    # 30 ms of every 100 ms: catches a 100 ms advertiser within a few seconds, leaves
    # radio time for Wi-Fi on single-radio ESP32 parts.
    window_ms: int = Field(default=30, ge=3, le=10240)
    interval_ms: int = Field(default=100, ge=3, le=10240)
    active: bool = Field(default=False, description="Active scanning sends scan requests.")
    rssi_floor_dbm: int = Field(default=-95, ge=-120, le=0)

    @model_validator(mode="after")
    def _window_fits(self) -> ScanSettings:
        if self.window_ms > self.interval_ms:
            raise ValueError("window_ms must not exceed interval_ms")
        return self


class WifiSettings(_Section):
    ssid: str = Field(min_length=1, max_length=32)  # 802.11: an SSID is at most 32 bytes


class GatewayConfig(_Section):
    """A BLE gateway (Linux box or ESP32-class board) that reports zones."""

    kind: Literal["gateway"]
    id: DeviceId
    store: StoreId
    zone: ZoneId
    hardware: Literal["linux", "esp32"] = "linux"
    position: Position
    scan: ScanSettings = ScanSettings()
    wifi: WifiSettings | None = None
    heartbeat_s: int = Field(default=15, ge=5, le=300)

    _check_id = field_validator("id")(_not_hub)

    @model_validator(mode="after")
    def _esp32_needs_wifi(self) -> GatewayConfig:
        if self.hardware == "esp32" and self.wifi is None:
            raise ValueError("an esp32 gateway needs a wifi section (it has no Ethernet)")
        return self


# --- beacons -------------------------------------------------------------------------


class IBeaconFrame(_Section):
    uuid: str = Field(
        pattern="^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="Proximity UUID, lower-case with dashes.",
    )
    major: int = Field(ge=0, le=65535)
    minor: int = Field(ge=0, le=65535)
    measured_power_dbm: MeasuredPowerDbm = -59


class EddystoneFrame(_Section):
    namespace: str = Field(pattern="^[0-9a-f]{20}$", description="10-byte namespace, hex.")
    instance: str = Field(pattern="^[0-9a-f]{12}$", description="6-byte instance, hex.")
    tlm: bool = Field(default=True, description="Interleave TLM frames (battery, temperature).")
    # Eddystone calibrates at 0 m: typically measured power at 1 m plus 41 dB.
    ranging_dbm: int = Field(default=-18, ge=-100, le=20)


class Beacon(_Section):
    """A store beacon: iBeacon, Eddystone-UID, or both, interleaved."""

    id: DeviceId
    zone: ZoneId
    ibeacon: IBeaconFrame | None = None
    eddystone: EddystoneFrame | None = None
    tx_power_dbm: TxPowerDbm = -8
    interval_ms: AdvIntervalMs = 350

    _check_id = field_validator("id")(_not_hub)

    @model_validator(mode="after")
    def _has_a_frame(self) -> Beacon:
        if self.ibeacon is None and self.eddystone is None:
            raise ValueError("a beacon needs an ibeacon or an eddystone frame (or both)")
        return self


class BeaconsConfig(_Section):
    """The store's beacons, one list per file."""

    kind: Literal["beacons"]
    store: StoreId
    beacons: list[Beacon] = Field(min_length=1)


DeviceConfig = KioskConfig | GatewayConfig
AnyConfig = Annotated[
    StoreConfig | HubConfig | KioskConfig | GatewayConfig | BeaconsConfig,
    Field(discriminator="kind"),
]

MODELS: Final[dict[str, type[BaseModel]]] = {
    "store": StoreConfig,
    "hub": HubConfig,
    "kiosk": KioskConfig,
    "gateway": GatewayConfig,
    "beacons": BeaconsConfig,
}

ANY_CONFIG: Final[TypeAdapter[AnyConfig]] = TypeAdapter(AnyConfig)


def json_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a config file, for editors and CI."""
    schema = ANY_CONFIG.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "instore config"
    return schema
