"""What a device needs to join a store: its identity file, written by
``instore-hub device add`` and read by the edge agent. It holds the device's private
signing key, so it is written readable by its owner only."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.errors import WireFormatError
from protocol.kinds import DeviceKind
from protocol.topics import DEVICE_ID_PATTERN


class BrokerAddress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = None
    tls_ca: str | None = None  # path to the store CA certificate; TLS when set
    tls_cert: str | None = None
    tls_key: str | None = None

    def url(self) -> str:
        scheme = "mqtts" if self.tls_ca else "mqtt"
        return f"{scheme}://{self.host}:{self.port}"


class DeviceIdentity(BaseModel):
    """One device's enrolment: who it is, its keys, the hub's sealing key, the broker."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str = Field(pattern=f"^{DEVICE_ID_PATTERN}$")
    device: str = Field(pattern=f"^{DEVICE_ID_PATTERN}$")
    kind: DeviceKind
    signing_key: str  # base64 Ed25519 private key
    hub_seal_key: str  # base64 X25519 public key of the hub
    # The hub's Ed25519 public keys whose signatures this device takes (protocol/envelope.py).
    # Empty in a file made before hub messages were signed: the device then refuses every
    # message from the hub until ``instore-hub device refresh`` adds them.
    hub_signing_keys: list[str] = Field(default_factory=list)
    broker: BrokerAddress = BrokerAddress()

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            yaml.safe_dump(self.model_dump(mode="json"), out, sort_keys=False)

    @classmethod
    def read(cls, path: Path) -> DeviceIdentity:
        try:
            raw = yaml.safe_load(path.read_text())
            return cls.model_validate(raw)
        except OSError as exc:
            raise WireFormatError(f"{path}: cannot read identity file ({exc.strerror})") from exc
        except (yaml.YAMLError, ValidationError) as exc:
            raise WireFormatError(f"{path}: not a device identity file: {exc}") from exc
