"""The hub's own settings and key store, in its data directory.

Layout: ``hub.yaml`` (store id, broker), ``hub.db``, ``keys/seal.key`` (X25519: edges
seal personal data to its public half), ``devices/<id>.yaml`` (identity files made at
enrolment, to be copied to the device and then deleted here).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import HubError
from protocol.enrolment import BrokerAddress
from protocol.envelope import Signer
from protocol.sealing import x25519_private_from_text, x25519_private_to_text
from protocol.signing import (
    new_signing_key,
    private_key_from_text,
    private_key_to_text,
    public_key_to_text,
)
from protocol.topics import DEVICE_ID_PATTERN


class HubSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str = Field(pattern=f"^{DEVICE_ID_PATTERN}$")
    broker: BrokerAddress = BrokerAddress()
    # The hub's second login (``hub.consent``) for purge and roster bursts on a connection
    # of their own; without it they go out through the hub's own connection.
    consent_broker: BrokerAddress | None = None
    # Where the store's broker security lives (``instore-hub fleet init``) and the broker's
    # pid file: with both, revoking a device also shuts it out of the broker at once.
    fleet_dir: Path | None = None
    broker_pid_file: Path | None = None


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt[s]://[USER:PASSWORD@]HOST[:PORT]`` to a :class:`BrokerAddress` (for
    ``mqtts`` the TLS files come from elsewhere: ``instore-hub init --fleet-dir``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise HubError(f"broker must look like mqtt[s]://[USER:PASSWORD@]HOST:PORT, not {url!r}")
    port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class HubHome:
    """The hub's data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def existing(cls, root: Path) -> HubHome:
        """The hub data directory at ``root``, refusing one that ``instore-hub init`` did
        not make (a :class:`HubError` with a sentence)."""
        home = cls(root)
        home.settings()
        return home

    @property
    def db_path(self) -> Path:
        return self.root / "hub.db"

    @property
    def settings_path(self) -> Path:
        return self.root / "hub.yaml"

    def device_file(self, device: str) -> Path:
        return self.root / "devices" / f"{device}.yaml"

    def init(self, settings: HubSettings) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.settings_path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
        self.seal_key()  # made now, so enrolment can hand out its public half
        self.signer()  # likewise the signing key

    def settings(self) -> HubSettings:
        try:
            raw = yaml.safe_load(self.settings_path.read_text())
            return HubSettings.model_validate(raw)
        except FileNotFoundError as exc:
            raise HubError(
                f"{self.root} is not a hub data directory: run `instore-hub init` first"
            ) from exc
        except (yaml.YAMLError, ValidationError) as exc:
            raise HubError(f"{self.settings_path}: {exc}") from exc

    def seal_key(self) -> X25519PrivateKey:
        """The hub's X25519 sealing key, made on first use (owner-readable only)."""
        path = self.root / "keys" / "seal.key"
        if path.exists():
            return x25519_private_from_text(path.read_text().strip())
        key = X25519PrivateKey.generate()
        _write_private(path, x25519_private_to_text(key))
        return key

    def seal_public_key(self) -> X25519PublicKey:
        return self.seal_key().public_key()

    # -- the hub's signing keys (everything it tells a device is signed) ---------------

    @property
    def _signing_path(self) -> Path:
        return self.root / "keys" / "hub-signing.key"

    @property
    def _retiring_path(self) -> Path:
        return self.root / "keys" / "hub-signing-retiring.key"

    def signer(self) -> Signer:
        """The hub's Ed25519 signing keys: the current one (made on first use) and, while
        a rotation is under way, the one being retired; messages carry both signatures."""
        if not self._signing_path.exists():
            _write_private(self._signing_path, private_key_to_text(new_signing_key()))
        keys = [private_key_from_text(self._signing_path.read_text().strip())]
        if self._retiring_path.exists():
            keys.append(private_key_from_text(self._retiring_path.read_text().strip()))
        return Signer(tuple(keys))

    def signing_public_keys(self) -> list[str]:
        """What a device's identity lists as the hub keys it trusts."""
        return [public_key_to_text(k.public_key()) for k in self.signer().keys]

    def rotate_signing_key(self) -> None:
        """A new current key; the old one signs too until :meth:`retire_signing_key`."""
        if self._retiring_path.exists():
            raise HubError("a rotation is under way: retire the old key first")
        self.signer()
        self._signing_path.replace(self._retiring_path)
        _write_private(self._signing_path, private_key_to_text(new_signing_key()))

    def metrics_token(self) -> str:
        """The credential Prometheus scrapes ``/metrics`` with (``Authorization: Bearer``),
        made on first use in ``keys/metrics.token``: point the scrape job's
        ``credentials_file`` at it."""
        path = self.root / "keys" / "metrics.token"
        if not path.exists():
            _write_private(path, secrets.token_urlsafe(32))
        return path.read_text().strip()

    def retire_signing_key(self) -> bool:
        """Stop signing with the retiring key; False when no rotation was under way."""
        if not self._retiring_path.exists():
            return False
        self._retiring_path.unlink()
        return True


def _write_private(path: Path, text: str) -> None:
    """A key file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
