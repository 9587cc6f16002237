"""Presence settings: the site (gateways, zones), the radio model and the engine's knobs.

A plain pydantic model: ``instore-sim ble-calibrate`` writes it as YAML, the live agent and
``ble replay`` read it. The gateway config schema (firmware_configs/) should embed it
as its ``presence`` section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from edge.errors import EdgeInputError

DEFAULT_REF_POWER_DBM: Final = -59.0  # typical phone at 1 m (iBeacon "measured power")
DEFAULT_EXPONENT: Final = 3.0  # indoor, open plan with shelving and people
_STRICT = ConfigDict(frozen=True, extra="forbid")

Hex16 = Annotated[str, Field(pattern="^[0-9a-f]{16}$")]


class GatewayPlace(BaseModel):
    """Where a gateway hangs, and the radio model of its links."""

    model_config = _STRICT

    zone: str
    x: float
    y: float
    level: int = 0
    ref_power_dbm: float = DEFAULT_REF_POWER_DBM  # RSSI of a phone 1 m away
    exponent: float = Field(default=DEFAULT_EXPONENT, ge=1.5, le=5.0)


class ZoneShape(BaseModel):
    model_config = _STRICT

    polygon: list[tuple[float, float]] = Field(min_length=3)
    level: int = 0


class EngineSettings(BaseModel):
    """The zone engine's knobs; ``instore-sim ble-calibrate`` fits them to a walk."""

    model_config = _STRICT

    tick_s: float = Field(default=1.0, gt=0.05, le=5.0)  # one Bayes update per tick
    cell_m: float = Field(default=1.0, gt=0.2, le=5.0)  # grid resolution of the floor plan
    sigma_db: float = Field(default=6.0, gt=0.5, le=20.0)  # shadowing the model expects
    fading: bool = True  # model Rayleigh fast fading per packet
    sensitivity_dbm: float = -98.0  # the receivers' floor: fainter packets are not heard
    outlier_share: float = Field(default=0.02, ge=0.0, lt=0.5)  # robust likelihood floor
    evidence_weight: float = Field(default=1.0, gt=0.0, le=1.0)  # shadowing is correlated
    shadow_tracking: bool = True  # track each link's shadowing (Kalman) rather than temper
    shadow_correlation_s: float = Field(default=3.0, gt=0.0)  # memory of that tracking
    joint_packets: bool = True  # one observation per link and tick (mean linear power)
    packets_per_link: float = Field(default=3.0, ge=1.0)  # per tick, more are down-weighted
    miss_weight: float = Field(default=0.3, ge=0.0, le=1.0)  # evidence of not being heard
    loss: float = Field(default=0.3, ge=0.0, lt=1.0)  # packet loss the model expects
    speed_m_s: float = Field(default=1.0, gt=0.0, le=3.0)  # walking speed
    mean_dwell_s: float = Field(default=30.0, gt=0.0)  # shoppers stand at a shelf this long
    mean_walk_s: float = Field(default=12.0, gt=0.0)  # and walk this long between shelves
    switch_margin: float = Field(default=0.3, ge=0.0, le=0.95)  # hysteresis for a dwelling shopper
    walk_margin: float = Field(default=0.0, ge=0.0, le=0.9)  # margin for a walking shopper
    dwell_power: float = Field(
        default=1.0, gt=0.0, le=4.0
    )  # how fast the margin grows with dwelling
    min_dwell_s: float = Field(default=0.0, ge=0.0, le=30.0)  # a new zone must lead this long
    # hindsight: the zone of each moment is named once this much later is heard (a
    # fixed-lag smoother); events carry the time they describe, emitted this much later
    decision_lag_s: float = Field(default=3.0, ge=0.0, le=10.0)
    lost_after_s: float = Field(default=30.0, gt=0.0)  # not heard this long: exit
    dwell_event_s: float = Field(default=30.0, gt=0.0)  # one dwell event after this long


class PresenceSettings(BaseModel):
    """Everything presence needs at a store: written by ``instore-sim ble-calibrate``."""

    model_config = _STRICT

    chain_prefix: Hex16 = "696e73746f726501"  # b"instore\x01": replace per chain
    gateways: dict[str, GatewayPlace] = Field(min_length=1)
    zones: dict[str, ZoneShape] = Field(min_length=1)
    beacons: list[str] = Field(default_factory=list)  # store beacon ids the filter keeps
    beacon_silent_after_s: float = Field(default=600.0, gt=0.0)
    engine: EngineSettings = Field(default_factory=EngineSettings)

    @model_validator(mode="after")
    def _known_zones(self) -> PresenceSettings:
        for name, gw in self.gateways.items():
            if gw.zone not in self.zones:
                raise ValueError(f"gateway {name!r} names unknown zone {gw.zone!r}")
        return self

    @classmethod
    def from_header(cls, header: dict[str, Any], **extra: Any) -> PresenceSettings:
        """Settings for the site a trace header describes (default radio and engine)."""
        try:
            return cls.model_validate(
                {"gateways": header.get("gateways"), "zones": header.get("zones"), **extra}
            )
        except ValidationError as exc:
            raise EdgeInputError(f"trace header: {_first(exc)}") from exc

    def with_site_of(self, header: dict[str, Any]) -> PresenceSettings:
        """These settings, for the trace's gateways and zones where the trace names new ones."""
        site = PresenceSettings.from_header(header)
        gateways = dict(site.gateways)
        for name, gw in self.gateways.items():
            if name in gateways:
                gateways[name] = gateways[name].model_copy(
                    update={"ref_power_dbm": gw.ref_power_dbm, "exponent": gw.exponent}
                )
        return self.model_copy(update={"gateways": gateways, "zones": site.zones})


def load_settings(path: Path) -> PresenceSettings:
    """Read presence settings from YAML (the whole file, or its ``presence`` section)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EdgeInputError(f"{path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise EdgeInputError(f"{path}: not YAML ({exc})") from exc
    if isinstance(raw, dict) and "presence" in raw:
        raw = raw["presence"]
    try:
        return PresenceSettings.model_validate(raw)
    except ValidationError as exc:
        raise EdgeInputError(f"{path}: {_first(exc)}") from exc


def dump_settings(settings: PresenceSettings, path: Path) -> None:
    """Write ``settings`` as YAML under a ``presence`` key."""
    body = {"presence": settings.model_dump(mode="json")}
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


def _first(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg']}"
