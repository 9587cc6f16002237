"""The phone consent center over real HTTPS (uvicorn, a self-signed certificate)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from hub.consent.system import ConsentSystem
from protocol.purposes import Purpose
from tests.consent_center_server import serve_consent_center


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


def test_pairing_code_works_once_and_expires(center: tuple[httpx.Client, ConsentSystem]) -> None:
    client, system = center
    client.get("/s/")
    page = client.get("/s/pair").text
    code = page.split('data-code="', 1)[1].split('"', 1)[0]
    assert code.startswith("instore:pair:")
    assert "<svg" in page
    client.post("/s/age", data={"birth_year": "1990"})
    client.post("/s/consent/personal_recs", json={"on": True})
    kiosk = client.post("/s/pair/redeem", json={"code": code})  # the kiosk read the QR
    assert kiosk.status_code == 200
    paired = kiosk.json()
    assert paired["subject"].startswith("ps_")
    assert paired["consents"]["personal_recs"] is not None
    assert paired["consents"]["presence"] is None
    assert client.post("/s/pair/redeem", json={"code": code}).status_code == 404  # once
    late = client.get("/s/pair").text.split('data-code="', 1)[1].split('"', 1)[0]
    system.pairing._clock = lambda: 1e12
    assert system.pairing.redeem(late) is None


def test_notice_page_and_unknown_purpose(center: tuple[httpx.Client, ConsentSystem]) -> None:
    client, _ = center
    assert "<svg" in client.get("/s/notice").text
    client.get("/s/")
    assert client.post("/s/consent/face_recognition", json={"on": True}).status_code == 404
    client.cookies.clear()
    assert client.get("/s/me").status_code == 400  # no phone secret: nothing to show
