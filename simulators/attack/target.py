"""What the attack is aimed at: a running store, described in one file (``Target``), and
a simulated store with the production security to aim it at (``simulated_store``).

The description keeps apart what an attacker has (the broker's address and CA, a stolen
kiosk's identity file, a staff login, the web addresses) from what only the judge has
(the hub's own broker login, a read-only watcher, the hub's data directory): with a
login that a wrong ACL lets write anything in the store, the judge shows that devices
check what they are told themselves; it looks at the hub's database to see whether an
attack left a trace.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict

from protocol.enrolment import BrokerAddress

if TYPE_CHECKING:
    from simulators.fleet import SimStore

STOLEN: Final = "kiosk-3"  # the attacker's kiosk: taken from the store, never run by it
VICTIM: Final = "kiosk-2"  # another kiosk, whose topics the attacker aims at
GATEWAY: Final = "gateway-1"  # a gateway that follows the roster
MISCONFIGURED: Final = "misconfigured"


class Login(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    password: str


class Target(BaseModel):
    """A running store, as ``instore-sim attack --target FILE`` reads it (JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str
    hub_url: str  # the hub's pages, e.g. https://127.0.0.1:8443
    hub_ca: Path | None = None  # the certificate to trust for them, if self-signed
    kiosk_url: str | None = None  # a kiosk's screen
    broker: BrokerAddress  # host, port and CA: what anyone on the store network learns
    stolen: Path  # the identity file of a kiosk the attacker holds
    victim: str = VICTIM
    gateway: str = GATEWAY
    staff: Login
    officer: Login
    admin: Login
    # The judge's, never the attacker's:
    misconfigured: BrokerAddress  # a login the ACL wrongly lets write the whole store
    watcher: BrokerAddress  # a login that may read the whole store
    hub_data: Path

    def web(self, path: str) -> str:
        return self.hub_url.rstrip("/") + path


@contextlib.contextmanager
def simulated_store(root: Path) -> Iterator[Target]:
    """A store as the demo runs it (TLS broker with a login each and the ACL, HTTPS hub,
    staff, officer and admin logins, a kiosk screen), every device but the stolen kiosk
    running and beating its heart every second."""
    from hub.dashboard.roles import Role  # noqa: PLC0415
    from hub.dashboard.users import add_users  # noqa: PLC0415
    from simulators.fleet import SimStore  # noqa: PLC0415
    from simulators.net import free_port, wait_for_port  # noqa: PLC0415
    from simulators.venue import write_demo_venue  # noqa: PLC0415

    store = SimStore(root, kiosks=3, gateways=2, https=True, tls=True)
    try:
        store.setup()
        logins = add_users(
            store.home,
            {"staff": Role.STAFF, "officer": Role.PRIVACY_OFFICER, "admin": Role.ADMIN},
        )
        venue = write_demo_venue(root / "venue")
        store.map_path = venue.imdf
        store.start_hub()
        screen = free_port()
        for device in store.device_ids():
            if device == STOLEN:
                continue
            extra = ["--heartbeat", "1", "--rate", "2"]
            if device == "kiosk-1":
                hub = store.dashboard_url.rstrip("/")
                extra = ["--heartbeat", "1", "--screen", str(screen), "--hub-url", hub,
                         "--hub-ca", str(store.https_ca)]  # fmt: skip
            store.start_device(device, extra)
        wait_for_port("127.0.0.1", screen, 60)
        operator = store.operator
        if operator is None:
            raise RuntimeError("the simulated store has no operator login")
        misconfigured = _wrong_acl(store, operator)
        yield Target(
            store=store.store,
            hub_url=store.dashboard_url,
            hub_ca=store.https_ca,
            kiosk_url=f"http://127.0.0.1:{screen}",
            broker=BrokerAddress(host="127.0.0.1", port=store.broker_port, tls_ca=operator.tls_ca),
            stolen=store.identities[STOLEN],
            staff=Login(name="staff", password=logins["staff"]),
            officer=Login(name="officer", password=logins["officer"]),
            admin=Login(name="admin", password=logins["admin"]),
            misconfigured=misconfigured,
            watcher=operator,
            hub_data=store.home.root,
        )
    finally:
        store.stop()


def _wrong_acl(store: SimStore, certificate_of: BrokerAddress) -> BrokerAddress:
    """Add a user whom the ACL lets read and write the whole store (a mistake an
    operator could make), with another client's certificate, and reload the broker."""
    from hub.fleet.passwords import new_password, set_password  # noqa: PLC0415
    from hub.fleet.store_security import FleetFiles  # noqa: PLC0415

    files = FleetFiles(store.root / "security")
    password = new_password()
    set_password(files.password_file, MISCONFIGURED, password)
    with files.acl_file.open("a") as acl:
        acl.write(f"\nuser {MISCONFIGURED}\ntopic readwrite instore/v1/{store.store}/#\n")
    if store.broker is not None:
        store.broker.reload()
    return certificate_of.model_copy(update={"username": MISCONFIGURED, "password": password})
