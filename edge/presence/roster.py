"""The filter inside the scan callback: roster tokens and store beacons pass, nothing else.

Everything else is dropped where it arrives: no address, no payload, no log line is
kept, only the counter :attr:`RosterFilter.dropped` goes up. This runs for every
advertisement in the store (most of them strangers' phones, watches and headphones),
so it compares strings and bytes and builds nothing for a stranger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from edge.presence.frames import (
    APPLE_COMPANY_ID,
    EDDYSTONE_UUID,
    IBEACON_HEAD,
    AdvertisementLike,
    AdvertParseError,
    EddystoneTlm,
    EddystoneUid,
    Frame,
    IBeacon,
    TokenFrame,
    parse_advertising,
    parse_eddystone,
    parse_ibeacon,
)
from protocol.ble_token import uuid_text_prefix
from protocol.models import Roster

TOKEN: Final = "token"  # noqa: S105  (a kind of sighting, not a secret)
BEACON: Final = "beacon"
MAX_BEACON_ADDRESSES: Final = 4096  # store beacons only: a big store has a few hundred


@dataclass(frozen=True, slots=True)
class Sighting:
    """One kept advertisement: a roster token or a store beacon, heard at ``t``."""

    id: str  # 16 hex digits for a token; ``ibeacon:...``/``eddystone:...`` for a beacon
    rssi: int
    t: float
    kind: str  # TOKEN or BEACON
    tlm: EddystoneTlm | None = None


class RosterFilter:
    """Keeps roster tokens and configured store beacons; counts and forgets the rest.

    ``update(roster)`` swaps the token set at once (the hub's retained ``roster``
    message); tokens not on it are dropped from then on.
    """

    __slots__ = ("_beacon_addr", "_beacons", "_prefix", "_tokens", "_uuid_head", "dropped", "kept")

    def __init__(self, chain_prefix: bytes, beacons: Iterable[str] = ()) -> None:
        self._prefix = chain_prefix
        self._uuid_head = uuid_text_prefix(chain_prefix)
        self._tokens: frozenset[str] = frozenset()
        self._beacons = frozenset(beacons)
        # address -> beacon id, for configured store beacons only: an Eddystone TLM
        # frame carries no id, the beacon's (fixed) address links it to its UID frame.
        self._beacon_addr: dict[str, str] = {}
        self.dropped = 0
        self.kept = 0

    def update(self, roster: Roster) -> None:
        """Replace the token set with the roster's (16 hex digits each)."""
        self._tokens = frozenset(roster.tokens)

    def set_tokens(self, tokens: Iterable[str]) -> None:
        self._tokens = frozenset(tokens)

    def admit(
        self, adv: AdvertisementLike, rssi: int, t: float, address: str = ""
    ) -> Sighting | None:
        """The sighting this advertisement gives, or None (counted, nothing kept).

        ``address`` is read only to link a configured beacon's TLM frame to its id.
        """
        head = self._uuid_head
        tokens = self._tokens
        for text in adv.service_uuids:
            if text[:18] == head:
                tok = text[19:23] + text[24:36]
                if tok in tokens:
                    self.kept += 1
                    return Sighting(tok, rssi, t, TOKEN)
        service_data = adv.service_data
        if service_data:
            for text in service_data:
                if text[:18] == head:
                    tok = text[19:23] + text[24:36]
                    if tok in tokens:
                        self.kept += 1
                        return Sighting(tok, rssi, t, TOKEN)
            eddystone = service_data.get(EDDYSTONE_UUID)
            if eddystone is not None and self._beacons:
                found = self._eddystone(eddystone, rssi, t, address)
                if found is not None:
                    return found
        apple = adv.manufacturer_data.get(APPLE_COMPANY_ID)
        if apple is not None and apple[:2] == IBEACON_HEAD and self._beacons:
            try:
                beacon = parse_ibeacon(apple)
            except AdvertParseError:
                beacon = None
            if beacon is not None and beacon.beacon_id in self._beacons:
                self.kept += 1
                return Sighting(beacon.beacon_id, rssi, t, BEACON)
        self.dropped += 1
        return None

    def admit_raw(self, raw: bytes, rssi: int, t: float, address: str = "") -> Sighting | None:
        """:meth:`admit` for raw advertising bytes; malformed bytes are dropped like strangers."""
        try:
            frames = parse_advertising(raw, self._prefix)
        except AdvertParseError:
            frames = []
        for frame in frames:
            found = self._frame_sighting(frame, rssi, t, address)
            if found is not None:
                self.kept += 1
                return found
        self.dropped += 1
        return None

    def _eddystone(self, data: bytes, rssi: int, t: float, address: str) -> Sighting | None:
        try:
            frame = parse_eddystone(data)
        except AdvertParseError:
            return None
        found = self._frame_sighting(frame, rssi, t, address)
        if found is not None:
            self.kept += 1
        return found

    def _frame_sighting(self, frame: Frame, rssi: int, t: float, address: str) -> Sighting | None:
        if isinstance(frame, TokenFrame):
            return Sighting(frame.token, rssi, t, TOKEN) if frame.token in self._tokens else None
        if isinstance(frame, IBeacon | EddystoneUid):
            if frame.beacon_id not in self._beacons:
                return None
            if address and len(self._beacon_addr) < MAX_BEACON_ADDRESSES:
                self._beacon_addr[address] = frame.beacon_id
            return Sighting(frame.beacon_id, rssi, t, BEACON)
        if isinstance(frame, EddystoneTlm):
            beacon_id = self._beacon_addr.get(address) if address else None
            return None if beacon_id is None else Sighting(beacon_id, rssi, t, BEACON, frame)
        return None
