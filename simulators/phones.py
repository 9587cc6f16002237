"""Simulated shoppers' phones at the hub's consent center, over HTTP as a phone browser
would: open the center (a cookie with the phone's secret), confirm age, switch purposes
on, and fetch the key the phone app advertises rotating BLE tokens from."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from protocol.purposes import Purpose
from simulators.errors import SimError

PHONE_COOKIE = "instore_phone"


@dataclass
class HubPhone:
    """One phone as the hub knows it: the secret in its cookie, and what it switched on."""

    secret: str
    receipts: dict[Purpose, str] = field(default_factory=dict)
    ble_key: bytes | None = None  # with presence on

    @property
    def cookie(self) -> dict[str, str]:
        return {"cookie": f"{PHONE_COOKIE}={self.secret}"}


def open_center(http: httpx.Client) -> HubPhone:
    """A phone opens the consent center for the first time and gets its secret."""
    http.cookies.clear()  # one client serves every phone: each sends its own cookie
    resp = http.get("/s/")
    secret = resp.cookies.get(PHONE_COOKIE)
    http.cookies.clear()
    if resp.status_code != httpx.codes.OK or not secret:
        raise SimError(f"the consent center did not answer a phone ({resp.status_code})")
    return HubPhone(secret)


def switch_on(http: httpx.Client, phone: HubPhone, purpose: Purpose) -> None:
    """Switch ``purpose`` on; with presence, fetch the phone's BLE key too."""
    resp = http.post(f"/s/consent/{purpose}", json={"on": True}, headers=phone.cookie)
    if resp.status_code != httpx.codes.OK:
        raise SimError(f"consent switch refused: {resp.text}")
    phone.receipts[purpose] = resp.json()["receipt"]
    if purpose is Purpose.PRESENCE:
        key = http.get("/s/ble-key", headers=phone.cookie).json()["key"]
        phone.ble_key = bytes.fromhex(key)


def opted_in_phones(
    http: httpx.Client, count: int, purposes: list[Purpose], birth_year: int = 1985
) -> list[HubPhone]:
    """``count`` phones of adults who switched ``purposes`` on."""
    phones = []
    for _ in range(count):
        phone = open_center(http)
        http.post("/s/age", data={"birth_year": str(birth_year)}, headers=phone.cookie)
        for purpose in purposes:
            switch_on(http, phone, purpose)
        phones.append(phone)
    return phones
