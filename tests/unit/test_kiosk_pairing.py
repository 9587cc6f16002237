"""A kiosk pairs with a shopper's phone through the hub's consent center over HTTPS, as
the demo's simulated shoppers do: signed by the kiosk, history only under personal_recs."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.kiosk.device import HubPairing
from edge.kiosk.session import Pairing
from edge.scan.decoder import CombinedDecoder, to_gray
from hub.registry import enrol_device
from protocol.enrolment import DeviceIdentity
from protocol.kinds import DeviceKind
from protocol.purposes import Purpose
from simulators.demo_shop import DemoShop, demo_shop
from simulators.demo_visits import FPS, DemoPhone, VisitsCamera
from tests.consent_center_server import serve_consent_center, store_personal_scans


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    return demo_shop(tmp_path_factory.mktemp("shop"))


def test_a_kiosk_pairs_a_phone_and_learns_its_history(tmp_path: Path) -> None:
    with serve_consent_center(tmp_path) as (url, system, cert):
        kiosk = DeviceIdentity.read(enrol_device(system.home, "kiosk-1", DeviceKind.KIOSK))
        gateway = DeviceIdentity.read(enrol_device(system.home, "gateway-1", DeviceKind.GATEWAY))
        phone = DemoPhone(url, str(cert))
        code = phone.pairing_code()
        assert code is not None
        assert code.startswith("instore:pair:")
        assert HubPairing(url, gateway, str(cert))(code) is None  # only kiosks may ask
        pairing = HubPairing(url, kiosk, str(cert))(code)
        assert isinstance(pairing, Pairing)
        assert pairing.purposes == frozenset({Purpose.PERSONAL_RECS})
        assert pairing.consent == system.registry.record_id(pairing.subject, "personal_recs")
        assert pairing.history == ()
        assert HubPairing(url, kiosk, str(cert))(code) is None  # a code works once
        store_personal_scans(system, kiosk, pairing.subject, ["04000000000017", "04000000000024"])
        again = HubPairing(url, kiosk, str(cert))(phone.pairing_code() or "")
        assert again is not None
        assert again.history == ("04000000000017", "04000000000024")
        phone.close()


def test_the_demo_camera_shows_a_pairing_code_then_packs_then_the_shopper_leaves(
    tmp_path: Path, shop: DemoShop
) -> None:
    with serve_consent_center(tmp_path) as (url, _, cert):
        now = [0.0]
        left: list[float] = []
        camera = VisitsCamera(
            shop.products[:50],
            seed=3,
            phone=DemoPhone(url, str(cert)),
            on_leave=lambda: left.append(now[0]),
            clock=lambda: now[0],
        )
        decoder = CombinedDecoder(first_hit=True)
        seen: list[str] = []
        for _ in range(int(40 * FPS)):  # a paired visit lasts about half a minute
            frame = camera.read()
            now[0] += 1 / FPS
            if frame is not None and len(seen) < 4:
                texts = [r.code.text for r in decoder.decode(to_gray(frame))]
                seen += [t for t in texts if not seen or seen[-1] != t]
        camera.close()
    assert seen[0].startswith("instore:pair:")  # the phone's code first ...
    assert len(seen) == 4
    assert not any(t.startswith("instore:pair:") for t in seen[1:])  # ... then packs
    assert len(left) == 1  # the paired shopper pressed "done"; the next one did not pair
