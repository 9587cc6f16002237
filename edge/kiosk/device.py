"""The kiosk device put together: camera, handheld scanner, screen and map feeding the
:class:`EdgeAgent`, and pairing with the hub. Real backends and simulated ones enter
through the same doors (``edge/presence/device.py`` is the gateway's twin)."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import httpx
from fastapi import FastAPI

from domain.catalog.products import Catalog
from domain.maps.load import open_map
from domain.maps.web import map_app
from edge.agent import EdgeAgent
from edge.kiosk.kiosk import ScanEvent, Suggester
from edge.kiosk.session import Pairing
from edge.kiosk.web import build_kiosk_app
from edge.ports import Camera, CodeInput
from edge.sealer import Sealer
from protocol.enrolment import DeviceIdentity
from protocol.errors import WireFormatError
from protocol.pairing import REDEEM_PATH, PairingAnswer, signed_redeem
from protocol.purposes import Purpose
from protocol.signing import private_key_from_text

log = logging.getLogger(__name__)

PAIR_TIMEOUT_S: Final = 3.0  # a shopper waits at the screen: answer or say it failed
_SCAN_PURPOSES: Final = (Purpose.PERSONAL_RECS, Purpose.ANALYTICS)
_PURPOSES: Final = frozenset(str(p) for p in Purpose)  # a newer hub may know more


class HubPairing:
    """Answers a pairing code read at the kiosk by asking the hub, signed with this
    kiosk's device key (once; codes are one-time and short-lived)."""

    def __init__(
        self,
        hub_url: str,
        identity: DeviceIdentity,
        hub_ca: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._url = hub_url.rstrip("/") + REDEEM_PATH
        self._device = identity.device
        self._key = private_key_from_text(identity.signing_key)
        # The hub's own CA (the store's, or a self-signed certificate), else the system's.
        self._verify = ssl.create_default_context(cafile=hub_ca) if hub_ca else True
        self._clock = clock

    def __call__(self, code: str) -> Pairing | None:
        body, headers = signed_redeem(self._device, self._key, code, self._clock())
        try:
            answer = httpx.post(
                self._url,
                content=body,
                headers=headers,
                timeout=PAIR_TIMEOUT_S,
                verify=self._verify,
            )
        except httpx.HTTPError as exc:
            log.warning("pairing: the hub did not answer: %s", exc)
            return None
        if answer.status_code != httpx.codes.OK:
            if answer.status_code != httpx.codes.NOT_FOUND:  # an expired code is normal
                log.warning("pairing: the hub refused (%s): %s", answer.status_code, answer.text)
            return None
        try:
            paired = PairingAnswer.from_bytes(answer.content)
        except WireFormatError as exc:
            log.warning("pairing: the hub's answer is not understood: %s", exc)
            return None
        consents = {Purpose(p): r for p, r in paired.consents.items() if r and p in _PURPOSES}
        record = next((consents[p] for p in _SCAN_PURPOSES if p in consents), None)
        return Pairing(
            subject=paired.subject,
            purposes=frozenset(consents),
            consent=str(record or next(iter(consents.values()), "")),
            history=tuple(paired.history) if Purpose.PERSONAL_RECS in consents else (),
        )


def build_kiosk(
    agent: EdgeAgent,
    catalog: Catalog,
    *,
    camera: Camera | None = None,
    scanner: CodeInput | None = None,
    map_path: Path | None = None,
    here: str | None = None,
    hub_url: str | None = None,
    hub_ca: str | None = None,
    suggest: Suggester | None = None,
) -> FastAPI:
    """The kiosk screen app, with scan events going to ``agent``'s outbox."""
    sealer = Sealer(agent.identity.hub_seal_key)

    def sink(event: ScanEvent) -> None:
        purpose = None if event.purpose is None else str(event.purpose)
        draft = sealer.draft(
            event.type,
            event.ts,
            event.data,
            subject=event.subject,
            purpose=purpose,
            consent=event.consent,
        )
        agent.submit([draft])

    pairing = HubPairing(hub_url, agent.identity, hub_ca) if hub_url else None
    app = build_kiosk_app(
        catalog,
        sink,
        camera,
        scanner,
        pairing=pairing,
        suggest=suggest,
        map_url="/map/" if map_path else None,
    )
    if map_path is not None:
        app.mount("/map", map_app(open_map(map_path), here=here))
    kiosk = app.state.kiosk

    def purge(subjects: Sequence[str]) -> None:
        pairing_now = kiosk.session.pairing
        if pairing_now is not None and pairing_now.subject in subjects:
            kiosk.done()  # a withdrawn shopper's session ends on screen at once

    agent.on_purge(purge)
    return app
