"""The store's Mosquitto configuration: ``mosquitto.conf.tmpl`` rendered with a store's
paths, port and limits. The demo, the tests and the benchmarks run the same file."""

from __future__ import annotations

import getpass
import os
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Final

TEMPLATE: Final = Path(__file__).with_name("mosquitto.conf.tmpl")


# A listener line for stores (with the ACL): otherwise a client with any valid login could
# connect under another's client id, throw it off the broker and resume its session
# (Mosquitto's session takeover). So one login is one connection.
OWN_CLIENT_ID: Final = "use_username_as_clientid true"


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    """A broker that takes no anonymous client: every user has a password (and, with the
    ACL, only its own topics; with a TLS listener in ``extra_lines``, a certificate)."""

    data_dir: Path
    port: int
    password_file: Path
    host: str = "127.0.0.1"
    window: int = 32  # the uplink's window of unacknowledged batches per device
    max_devices: int = 250  # a large store's kiosks, gateways and phones' helpers
    acl_file: Path | None = None
    extra_lines: tuple[str, ...] = ()

    @property
    def max_queued(self) -> int:
        return self.window * self.max_devices * 2

    def render(self) -> str:
        auth = [f"password_file {self.password_file}"]
        if self.acl_file is not None:
            auth.append(f"acl_file {self.acl_file}")
        auth.extend(self.extra_lines)
        # Started as root, Mosquitto would switch to its own user and then fail to read
        # the owner-only files in this directory; run as the user who started it.
        user = f"user {getpass.getuser()}" if os.geteuid() == 0 else ""
        return string.Template(TEMPLATE.read_text()).substitute(
            user_line=user,
            port=self.port,
            host=self.host,
            listener_lines=OWN_CLIENT_ID if self.acl_file is not None else "",
            auth_lines="\n".join(auth),
            data_dir=self.data_dir,
            window=self.window,
            max_queued=self.max_queued,
            max_inflight=self.window * 8,
        )
