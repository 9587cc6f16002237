"""The phone consent center over real HTTPS (uvicorn, a self-signed certificate)."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from hub.consent.pairing import code_on_page
from hub.consent.system import ConsentSystem
from hub.registry import enrol_device
from protocol.enrolment import DeviceIdentity
from protocol.kinds import DeviceKind
from protocol.pairing import REDEEM_PATH, PairingAnswer, RedeemRequest, signed_redeem
from protocol.purposes import Purpose
from protocol.signing import private_key_from_text
from simulators.demo_shop import DemoShop, demo_shop
from tests.consent_center_server import serve_consent_center, store_personal_scans


@pytest.fixture
def center(tmp_path: Path) -> Iterator[tuple[httpx.Client, ConsentSystem]]:
    with (
        serve_consent_center(tmp_path) as (url, system, cert),
        httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=str(cert))) as client,
    ):
        yield client, system


def test_switches_take_effect_at_once_after_the_age_check(
    center: tuple[httpx.Client, ConsentSystem],
) -> None:
    client, system = center
    page = client.get("/s/", headers={"accept-language": "sv-SE,sv;q=0.9"})
    assert page.status_code == 200
    assert 'lang="sv"' in page.text
    assert "Var jag är i butiken" in page.text
    cookie = page.cookies["instore_phone"]
    assert "secure" in page.headers["set-cookie"].lower()
    assert "httponly" in page.headers["set-cookie"].lower()
    refused = client.post("/s/consent/presence", json={"on": True})
    assert refused.status_code == 403
    young = client.post("/s/age", data={"birth_year": "2015"}, follow_redirects=False)
    assert young.headers["location"].endswith("under=1")
    client.post("/s/age", data={"birth_year": "1990"})
    subject = system.registry.keys.pseudonym(cookie)
    on = client.post("/s/consent/presence", json={"on": True})
    assert on.json()["on"] is True
    assert system.check(subject, "presence")  # the hub refuses nothing of it from now
    key = client.get("/s/ble-key").json()
    assert len(bytes.fromhex(key["key"])) == 16
    assert key["window_s"] == 900
    off = client.post("/s/consent/presence", data={"on": "0"}, follow_redirects=False)
    assert off.status_code == 303
    assert not system.check(subject, "presence")
    assert client.get("/s/ble-key").status_code == 404


def test_everything_held_as_a_page_and_a_download_then_erase(
    center: tuple[httpx.Client, ConsentSystem],
) -> None:
    client, system = center
    client.get("/s/?lang=de")
    client.post("/s/age", data={"birth_year": "1970"})
    client.post(f"/s/consent/{Purpose.ANALYTICS}", json={"on": True})
    page = client.get("/s/me")
    assert page.status_code == 200
    assert "Alles, was wir über Sie speichern" in page.text
    download = client.get("/s/me.json")
    assert "attachment" in download.headers["content-disposition"]
    held = orjson.loads(download.content)
    assert held["consents"]["analytics"] is True
    assert len(held["receipts"]) == 1
    report = client.post("/s/erase", headers={"accept": "application/json"}).json()
    assert report["purposes_withdrawn"] == ["analytics"]
    assert not system.check(held["subject"], "analytics")
    again = orjson.loads(client.get("/s/me.json").content)
    assert again["events"] == []
    assert again["consents"]["analytics"] is False


def _code(client: httpx.Client) -> str:
    return code_on_page(client.get("/s/pair").text) or ""


def _kiosk(system: ConsentSystem, device: str = "kiosk-1") -> DeviceIdentity:
    kind = DeviceKind.KIOSK if device.startswith("kiosk") else DeviceKind.GATEWAY
    return DeviceIdentity.read(enrol_device(system.home, device, kind))


def _redeem(
    client: httpx.Client, who: DeviceIdentity, code: str, at: float | None = None
) -> httpx.Response:
    key = private_key_from_text(who.signing_key)
    body, headers = signed_redeem(who.device, key, code, time.time() if at is None else at)
    return client.post(REDEEM_PATH, content=body, headers=headers)


def test_pairing_code_works_once_and_expires(center: tuple[httpx.Client, ConsentSystem]) -> None:
    client, system = center
    kiosk = _kiosk(system)
    client.get("/s/")
    page = client.get("/s/pair").text
    code = code_on_page(page)
    assert code is not None
    assert code.startswith("instore:pair:")
    assert code_on_page("<p>an error page</p>") is None
    assert "<svg" in page
    client.post("/s/age", data={"birth_year": "1990"})
    client.post("/s/consent/personal_recs", json={"on": True})
    answer = _redeem(client, kiosk, code)  # the kiosk read the QR
    assert answer.status_code == 200
    paired = PairingAnswer.from_bytes(answer.content)
    assert paired.subject.startswith("ps_")
    assert paired.consents["personal_recs"] is not None
    assert paired.consents["presence"] is None
    assert paired.history == []  # nothing scanned yet
    assert _redeem(client, kiosk, code).status_code == 404  # once
    late = _code(client)
    system.pairing._clock = lambda: 1e12
    assert system.pairing.redeem(late) is None


def test_only_an_enrolled_kiosk_signing_now_can_redeem(
    center: tuple[httpx.Client, ConsentSystem],
) -> None:
    client, system = center
    kiosk, gateway = _kiosk(system), _kiosk(system, "gateway-1")
    client.get("/s/")
    code = _code(client)
    assert client.post(REDEEM_PATH, json={"code": code}).status_code == 400  # who asks?
    unsigned = RedeemRequest(code=code, device="kiosk-1", ts=time.time()).to_bytes()
    assert client.post(REDEEM_PATH, content=unsigned).status_code == 401
    assert _redeem(client, gateway, code).status_code == 401  # a gateway is no kiosk
    forged = kiosk.model_copy(update={"signing_key": gateway.signing_key})
    assert _redeem(client, forged, code).status_code == 401  # another device's key
    assert _redeem(client, kiosk, code, at=time.time() - 600).status_code == 401  # stale
    assert _redeem(client, kiosk, code).status_code == 200  # the code was not used up


def test_the_answer_carries_history_only_with_personal_recs(
    center: tuple[httpx.Client, ConsentSystem],
) -> None:
    client, system = center
    kiosk = _kiosk(system)
    cookie = client.get("/s/").cookies["instore_phone"]
    client.post("/s/age", data={"birth_year": "1990"})
    client.post("/s/consent/personal_recs", json={"on": True})
    subject = system.registry.keys.pseudonym(cookie)
    scanned = ["04000000000017", "04000000000024", "04000000000017", "04000000000031"]
    store_personal_scans(system, kiosk, subject, scanned)
    paired = PairingAnswer.from_bytes(_redeem(client, kiosk, _code(client)).content)
    # Distinct, most recent last: the first 17 counts at its later scan.
    assert paired.history == ["04000000000024", "04000000000017", "04000000000031"]
    kinds = [r[0] for r in system.registry.db.execute("SELECT kind FROM audit_log")]
    assert "pair.redeem" in kinds
    client.post("/s/consent/personal_recs", json={"on": False})
    assert PairingAnswer.from_bytes(_redeem(client, kiosk, _code(client)).content).history == []


def test_notice_page_and_unknown_purpose(center: tuple[httpx.Client, ConsentSystem]) -> None:
    client, _ = center
    assert "<svg" in client.get("/s/notice").text
    client.get("/s/")
    assert client.post("/s/consent/face_recognition", json={"on": True}).status_code == 404
    client.cookies.clear()
    assert client.get("/s/me").status_code == 400  # no phone secret: nothing to show


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    return demo_shop(tmp_path_factory.mktemp("shop"))


def test_for_you_suggests_from_what_the_shopper_scanned_only_while_allowed(
    tmp_path: Path, shop: DemoShop
) -> None:
    with (
        serve_consent_center(tmp_path, suggest=shop.recommender) as (url, system, cert),
        httpx.Client(base_url=url, verify=ssl.create_default_context(cafile=str(cert))) as client,
    ):
        cookie = client.get("/s/").cookies["instore_phone"]
        subject = system.registry.keys.pseudonym(cookie)
        off = client.get("/s/for-you").text
        assert 'id="for-you-off"' in off
        assert "Suggestions from what you scanned are off" in off
        client.post("/s/age", data={"birth_year": "1990"})
        client.post("/s/consent/personal_recs", json={"on": True})
        assert 'id="for-you-empty"' in client.get("/s/for-you").text  # nothing scanned yet
        shelf = [p for p in shop.products if p.stock > 0 and p.suggest]
        store_personal_scans(system, _kiosk(system), subject, [p.gtin for p in shelf[:6]])
        page = client.get("/s/for-you").text
        items = page.split('id="for-you-list"', 1)[1].split("</ul>", 1)[0]
        assert items.count("<li>") == 3  # the cap, at once: the shopper asked
        assert items.count("Because you scanned") == 3
        assert "the same for everyone" in page
        assert shelf[5].name in page.split('id="for-you-based"', 1)[1]  # what they are from
        client.post("/s/consent/personal_recs", json={"on": False})
        assert 'id="for-you-off"' in client.get("/s/for-you").text  # at once


def test_no_for_you_page_without_a_recommender(center: tuple[httpx.Client, ConsentSystem]) -> None:
    client, _ = center
    page = client.get("/s/").text
    assert "/s/for-you" not in page
    assert client.get("/s/for-you").status_code == 404
