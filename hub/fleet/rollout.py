"""A staged config rollout, as a pure state machine the hub drives (time is an argument).

One device (the canary) gets the config first. Only when it answers ``applied`` do the
others get it. If the canary fails, rolls back or stays silent past the ack timeout,
the rollout halts and nobody else is touched. Staff see every device's state:
``pending`` (not sent yet), ``sent`` (waiting for its ack), ``applied``, ``failed``,
``rolled_back`` or ``timed_out``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from firmware_configs.config_apply import build_push
from firmware_configs.schemas import GatewayConfig, KioskConfig
from firmware_configs.store_bundle import StoreBundle
from hub.fleet.errors import FleetError
from protocol.models import ConfigPush

DeviceState = Literal["pending", "sent", "applied", "failed", "rolled_back", "timed_out"]
Stage = Literal["canary", "fleet", "done", "halted"]
_BAD: Final = frozenset({"failed", "rolled_back", "timed_out"})
# 120 s: a device that is online acks within a second; one that is offline gets the
# command from the broker when it is back, and is shown as timed out meanwhile.
ACK_TIMEOUT_S: Final = 120.0


@dataclass(slots=True)
class DeviceRollout:
    device: str
    state: DeviceState = "pending"
    detail: str = ""
    sent_at: float | None = None


@dataclass(slots=True)
class StagedRollout:
    """Roll each device's own push out (device configs differ: id, zone), the ``canary``
    (default: the first device) alone first. ``version`` names the rollout for staff."""

    version: str
    pushes: Mapping[str, ConfigPush]
    canary: str | None = None
    ack_timeout_s: float = ACK_TIMEOUT_S
    status: dict[str, DeviceRollout] = field(init=False)
    halted_because: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if not self.pushes:
            raise FleetError("a rollout needs at least one device")
        self.canary = self.canary or next(iter(self.pushes))
        if self.canary not in self.pushes:
            raise FleetError(f"canary {self.canary!r} is not among the devices")
        self.status = {d: DeviceRollout(d) for d in self.pushes}

    @property
    def stage(self) -> Stage:
        if self.halted_because:
            return "halted"
        assert self.canary is not None  # noqa: S101  # set in __post_init__
        if self.status[self.canary].state != "applied":
            return "canary"
        if any(s.state in ("pending", "sent") for s in self.status.values()):
            return "fleet"
        return "done"

    def due(self, now: float) -> list[tuple[str, ConfigPush]]:
        """Devices to send their push to now, with it; they are marked ``sent`` at ``now``."""
        self.expire(now)
        stage = self.stage
        if stage == "canary":
            assert self.canary is not None  # noqa: S101
            wanted = [self.canary] if self.status[self.canary].state == "pending" else []
        elif stage == "fleet":
            wanted = [d for d, s in self.status.items() if s.state == "pending"]
        else:
            wanted = []
        for device in wanted:
            self.status[device].state = "sent"
            self.status[device].sent_at = now
        return [(device, self.pushes[device]) for device in wanted]

    def record_ack(self, device: str, status: str, detail: str = "") -> None:
        """The device's ``cmdack``: ``applied``, ``failed`` or ``rolled_back``."""
        entry = self.status.get(device)
        if entry is None:
            return  # an ack from a device outside this rollout: not ours
        if status not in ("applied", "failed", "rolled_back"):
            raise FleetError(f"{status!r} is not an answer to a config push")
        entry.state = status  # type: ignore[assignment]  # narrowed by the check above
        entry.detail = detail
        if device == self.canary and status != "applied":
            self.halted_because = f"canary {device} {status}: {detail}".rstrip(": ")

    def expire(self, now: float) -> None:
        """Mark devices whose ack is overdue ``timed_out`` (the canary's halts the rollout)."""
        for entry in self.status.values():
            overdue = entry.sent_at is not None and now - entry.sent_at > self.ack_timeout_s
            if entry.state == "sent" and overdue:
                entry.state = "timed_out"
                entry.detail = f"no answer within {self.ack_timeout_s:g} s"
                if entry.device == self.canary:
                    self.halted_because = f"canary {entry.device} timed out"

    def summary(self) -> dict[str, object]:
        """What the dashboard shows: version, stage, counts per state, each device."""
        counts: dict[str, int] = {}
        for entry in self.status.values():
            counts[entry.state] = counts.get(entry.state, 0) + 1
        return {
            "version": self.version,
            "stage": self.stage,
            "halted_because": self.halted_because or None,
            "canary": self.canary,
            "counts": counts,
            "devices": {
                d: {"state": s.state, "detail": s.detail, "sha256": self.pushes[d].sha256}
                for d, s in self.status.items()
            },
            "bad": sorted(d for d, s in self.status.items() if s.state in _BAD),
        }


def rollout_for_store(
    bundle: StoreBundle, *, canary: str | None = None, version: str | None = None
) -> StagedRollout:
    """A staged rollout of every kiosk's and gateway's config in ``bundle``.

    The version defaults to ``store-v<store.version>``: raise ``version`` in store.yaml
    for every change you push."""
    label = version or f"store-v{bundle.store.version}"
    configs: list[KioskConfig | GatewayConfig] = [*bundle.kiosks, *bundle.gateways]
    pushes = {c.id: build_push(c, config_version=label) for c in configs}
    return StagedRollout(version=label, pushes=pushes, canary=canary)
