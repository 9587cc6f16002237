"""Dashboard settings: ``dashboard.yaml`` in the hub's data directory, all optional.

Defaults follow docs/architecture.md: a 15 s heartbeat, offline after 2.5 missed beats, k = 10.
Tests shorten the heartbeat and the offline threshold here rather than patching code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import HubError

FILE_NAME: Final = "dashboard.yaml"


class DashboardSettings(BaseModel):
    """What the dashboard and its jobs may be tuned by."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    heartbeat_s: float = Field(default=15.0, gt=0)  # the edges' heartbeat period
    offline_after_beats: float = Field(default=2.5, gt=0)  # offline after this many missed
    k: int = Field(default=10, ge=2)  # the smallest group of shoppers a figure may show
    bucket_s: int = Field(default=3600, ge=60)  # presence figures per closed bucket only
    close_grace_s: float = Field(default=120.0, ge=0)  # late events this long still count
    epsilon_daily: float | None = Field(default=None, gt=0)  # Laplace noise if set
    max_cells_per_shopper_day: int = Field(default=12, ge=1)  # contribution bound for DP
    low_battery_pct: float = Field(default=20.0, ge=0, le=100)
    outbox_filling: int = Field(default=10_000, ge=1)  # events waiting at one edge
    dead_letters_rising: int = Field(default=50, ge=1)  # new dead letters per window
    dead_letters_window_s: float = Field(default=300.0, gt=0)
    clock_offset_ms: float = Field(default=2000.0, gt=0)
    job_interval_s: float = Field(default=1.0, gt=0)  # alarms and rollups run this often
    live_interval_s: float = Field(default=2.0, gt=0)  # server-sent events period
    session_ttl_s: float = Field(default=8 * 3600, gt=0)  # one shift
    session_idle_s: float = Field(default=30 * 60, gt=0)  # a session not used this long ends
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    # Proxies in front of the hub (IP addresses or networks): only their X-Forwarded-For is
    # believed, so a client cannot pick the address its login failures count against.
    trusted_proxies: tuple[str, ...] = ()

    @property
    def offline_after_s(self) -> float:
        return self.heartbeat_s * self.offline_after_beats


def load_settings(root: Path) -> DashboardSettings:
    """The settings in ``root/dashboard.yaml``, or the defaults if there is none."""
    path = root / FILE_NAME
    if not path.exists():
        return DashboardSettings()
    try:
        return DashboardSettings.model_validate(yaml.safe_load(path.read_text()) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise HubError(f"{path}: {exc}") from exc
