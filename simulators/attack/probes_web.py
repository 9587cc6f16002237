"""Attacks on the hub's pages: the header walk, path traversal, forms without their
token or from another site, staff on pages that are not theirs, sessions, redirects,
/metrics, oversize and malformed bodies, and login throttling from two addresses."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import httpx

from simulators.attack.arena import Arena, Outcome, broke, held
from simulators.attack.registry import probe
from simulators.attack.walk import pages, walk
from simulators.attack.web import Browser, raw_get

# Loopback addresses stand for machines: the attacker at a till (where a colleague also
# works), the officer's office, and two more guessers, so that each probe's failures
# are its own.
ATTACKER: Final = "127.0.0.2"
COLLEAGUE: Final = "127.0.0.3"
GUESSER: Final = "127.0.0.4"
SPOOFER: Final = "127.0.0.5"
GUESSES: Final = 30
OUTSIDE: Final = (b"from __future__", b"PRIVATE KEY", b"store:", b"import ")
WALK_SAMPLES: Final = {"purpose": "analytics", "level": "0", "n": "1", "action": "ack",
                       "name": "staff", "device": "kiosk-1"}  # fmt: skip


@probe("web.header_walk")
def header_walk(arena: Arena) -> Outcome:
    """Every route of the hub (as an admin, then as the officer) and of the kiosk screen."""
    import tempfile  # noqa: PLC0415

    from domain.catalog.products import Catalog  # noqa: PLC0415
    from edge.kiosk.web import build_kiosk_app  # noqa: PLC0415
    from hub.consent.system import ConsentSystem  # noqa: PLC0415
    from hub.settings import HubHome  # noqa: PLC0415
    from hub.web import build_app  # noqa: PLC0415
    from simulators.venue import write_demo_venue  # noqa: PLC0415

    # The routes come from the apps themselves (nothing is served from these copies).
    with tempfile.TemporaryDirectory() as spare:
        home = HubHome(arena.target.hub_data)
        consent = ConsentSystem(home)
        try:
            venue = write_demo_venue(Path(spare) / "venue")
            app = build_app(home, consent, map_path=venue.imdf, run_jobs=False)
            walked = pages(app.routes, WALK_SAMPLES)
        finally:
            consent.close()
    kiosk_pages = pages(build_kiosk_app(Catalog()).routes, WALK_SAMPLES)
    https = arena.target.hub_url.startswith("https")
    found: list[str] = []
    for person in (arena.target.admin, arena.target.officer):
        with arena.browser() as b:
            b.get("/s/")
            b.login(person.name, person.password)
            found += walk(b, walked, https)
    if arena.target.kiosk_url:
        kiosk = Browser(arena.target.kiosk_url, None)
        try:
            found += walk(kiosk, kiosk_pages, https=False)
        finally:
            kiosk.close()
    if found:
        return broke(f"{len(found)} answers short of the policy, e.g. {found[0]}")
    return held(f"{len(walked)} hub routes and the kiosk's answered under the policy")


def _traverse(arena: Arena, mount: str) -> Outcome:
    tries = [
        f"{mount}/../app.py",
        f"{mount}/..%2fapp.py",
        f"{mount}/%2e%2e/%2e%2e/settings.py",
        f"{mount}/..%252f..%252fhub.yaml",
        f"{mount}/....//....//hub.yaml",
        f"{mount}/%2e%2e%2f%2e%2e%2f%2e%2e%2fkeys/signing.key",
    ]
    for path in tries:
        status, body = raw_get(arena.target.hub_url, arena.target.hub_ca, path)
        if status == 200 and any(mark in body for mark in OUTSIDE):
            return broke(f"{path} gave a file from outside")
    return held(f"{len(tries)} ways out of {mount} refused")


@probe("web.path_traversal_dashboard_files")
def traversal_dashboard(arena: Arena) -> Outcome:
    return _traverse(arena, "/dash-static")


@probe("web.path_traversal_phone_files")
def traversal_phone(arena: Arena) -> Outcome:
    return _traverse(arena, "/s/static")


@probe("web.path_traversal_map_levels")
def traversal_map(arena: Arena) -> Outcome:
    return _traverse(arena, "/map/level")


@probe("csrf.login_without_the_forms_token")
def login_without_token(arena: Arena) -> Outcome:
    """A page elsewhere posting the admin's login (login CSRF) without the token."""
    admin = arena.target.admin
    with arena.browser() as b:
        r = b.post("/login", data={"username": admin.name, "password": admin.password})
        if r.status_code == 303 and b.logged_in():
            return broke("logged in without the forms token")
    return held(f"refused ({r.status_code})")


@probe("csrf.admin_form_without_the_token")
def admin_without_token(arena: Arena) -> Outcome:
    name = f"mallory{secrets.randbelow(10**6)}"
    admin = arena.target.admin
    with arena.browser() as b:
        b.login(admin.name, admin.password)
        r = b.post("/admin/users", data={"name": name, "role": "admin"})
        if name in b.get("/admin/users").text:
            return broke(f"an admin account was added ({r.status_code})")
    return held(f"refused ({r.status_code})")


@probe("csrf.privacy_erasure_without_the_token")
def erasure_without_token(arena: Arena) -> Outcome:
    subject = "ps_" + "c" * 22
    officer = arena.target.officer
    with arena.browser() as b:
        b.login(officer.name, officer.password)
        r = b.post("/privacy/requests/erase", data={"subject": subject, "confirm": subject})
    if r.status_code < 400:
        return broke(f"an erasure ran ({r.status_code})")
    return held(f"refused ({r.status_code})")


def _cross_site(arena: Arena, path: str, data: dict[str, str]) -> Outcome:
    """A shopper's own phone, made to post by another site's page."""
    foreign = {"origin": "https://prizes.example", "sec-fetch-site": "cross-site"}
    with arena.browser() as phone:
        phone.get("/s/")
        phone.post("/s/age", data={"birth_year": "1990"})
        r = phone.post(path, data=data, headers=foreign)
    if r.status_code < 400:
        return broke(f"{path} took it ({r.status_code})")
    return held(f"refused ({r.status_code})")


@probe("csrf.phone_consent_from_another_site")
def consent_cross_site(arena: Arena) -> Outcome:
    return _cross_site(arena, "/s/consent/analytics", {"on": "1"})


@probe("csrf.phone_erasure_from_another_site")
def erase_cross_site(arena: Arena) -> Outcome:
    return _cross_site(arena, "/s/erase", {})


def _as(arena: Arena, who: str, paths: list[str]) -> Outcome:
    person = getattr(arena.target, who)
    opened = []
    with arena.browser() as b:
        b.login(person.name, person.password)
        opened = [p for p in paths if b.get(p).status_code == 200]
    if opened:
        return broke(f"{who} opened {', '.join(opened)}")
    return held(f"{who} was refused all {len(paths)}")


@probe("authz.staff_on_privacy_pages")
def staff_privacy(arena: Arena) -> Outcome:
    export = "/privacy/requests/export?subject=ps_" + "d" * 22
    paths = ["/privacy", "/privacy/consents", "/privacy/audit", "/privacy/audit.csv", export]
    return _as(arena, "staff", paths)


@probe("authz.staff_on_admin_pages")
def staff_admin(arena: Arena) -> Outcome:
    return _as(arena, "staff", ["/admin/users", "/admin/devices"])


@probe("authz.officer_on_admin_pages")
def officer_admin(arena: Arena) -> Outcome:
    return _as(arena, "officer", ["/admin/users", "/admin/devices"])


@probe("authz.staff_revokes_a_device")
def staff_revokes(arena: Arena) -> Outcome:
    """Staff post the admin's revoke form with their own valid forms token."""
    staff, victim = arena.target.staff, arena.target.victim
    with arena.browser() as b:
        b.login(staff.name, staff.password)
        token = b.token("/")
        r = b.post(f"/admin/devices/{victim}/revoke", data={"csrf": token, "confirm": victim})
    if r.status_code < 400:
        return broke(f"staff revoked {victim} ({r.status_code})")
    return held(f"refused ({r.status_code})")


@probe("authz.pages_without_a_login")
def without_login(arena: Arena) -> Outcome:
    paths = ["/", "/api/devices", "/fragments/devices", "/alarms", "/analytics", "/live",
             "/privacy/audit.csv", "/admin/users"]  # fmt: skip
    script = {"accept": "application/json"}
    with arena.browser() as b:
        opened = [p for p in paths if b.get(p, headers=script).status_code == 200]
    if opened:
        return broke(f"opened without a login: {', '.join(opened)}")
    return held(f"all {len(paths)} wanted a login")


@probe("authz.metrics_without_the_credential")
def metrics(arena: Arena) -> Outcome:
    with arena.browser() as b:
        plain = b.get("/metrics").status_code
        wrong = b.get("/metrics", headers={"authorization": "Bearer guess"}).status_code
    if 200 in (plain, wrong):
        return broke("/metrics answered without its credential")
    return held(f"refused ({plain}, {wrong})")


@probe("session.fixation")
def fixation(arena: Arena) -> Outcome:
    """A session id chosen by the attacker, planted before the victim logs in."""
    planted = secrets.token_urlsafe(24)
    admin = arena.target.admin
    with arena.browser() as victim:
        victim.client.cookies.set("instore_session", planted)
        victim.login(admin.name, admin.password)
    with arena.browser() as attacker:
        attacker.client.cookies.set("instore_session", planted)
        if attacker.logged_in():
            return broke("the planted session id was logged in")
    return held("the planted id opened nothing: a new session id at login")


@probe("session.cookie_flags")
def cookie_flags(arena: Arena) -> Outcome:
    admin = arena.target.admin
    with arena.browser() as b:
        r = b.login(admin.name, admin.password)
    set_cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie"]
    session = next((c for c in set_cookie if c.startswith("instore_session=")), "")
    lacks = [flag for flag in ("HttpOnly", "SameSite=strict", "Secure")
             if flag.lower() not in session.lower()]  # fmt: skip
    if not session or lacks:
        return broke(f"the session cookie lacks {', '.join(lacks) or 'everything'}")
    return held("HttpOnly, SameSite=strict, Secure")


@probe("session.revoked_user_keeps_working")
def revoked_user(arena: Arena) -> Outcome:
    """An admin disables an account; its open session must end at once."""
    with _account(arena) as (name, password), arena.browser() as user:
        user.login(name, password)
        if not user.logged_in():
            raise RuntimeError("the new account could not log in")
        with arena.browser() as admin:
            admin.login(arena.target.admin.name, arena.target.admin.password)
            admin.post(f"/admin/users/{name}/disable", data={"csrf": admin.token("/admin/users")})
        if user.logged_in():
            return broke("a disabled account's session kept working")
    return held("the session ended when the account was disabled")


@contextmanager
def _account(arena: Arena) -> Iterator[tuple[str, str]]:
    """A staff account made by the admin for one probe, disabled afterwards."""
    name = f"probe{secrets.randbelow(10**8)}"
    with arena.browser() as admin:
        admin.login(arena.target.admin.name, arena.target.admin.password)
        form = {"csrf": admin.token("/admin/users"), "name": name, "role": "staff"}
        found = re.search(
            r'<code id="new-password">([^<]+)</code>', admin.post("/admin/users", data=form).text
        )
        if found is None:
            raise RuntimeError("the admin could not make an account to test with")
        try:
            yield name, found[1]
        finally:
            admin.post(f"/admin/users/{name}/disable", data={"csrf": admin.token("/admin/users")})


@probe("redirect.after_login_to_another_site")
def open_redirect(arena: Arena) -> Outcome:
    admin = arena.target.admin
    for target in ("//prizes.example/", "https://prizes.example/", "/\\prizes.example"):
        with arena.browser() as b:
            token = b.token(f"/login?next={target}")
            r = b.post("/login", data={"username": admin.name, "password": admin.password,
                                       "csrf": token, "next": target})  # fmt: skip
            where = r.headers.get("location", "")
            if "prizes.example" in where:
                return broke(f"sent to {where}")
    return held("only ever sent to a page of the hub")


@probe("payload.oversize_form")
def oversize_form(arena: Arena) -> Outcome:
    with arena.browser() as b:
        try:
            r = b.post("/login", content=b"username=" + b"x" * (64 * 1024 * 1024),
                       headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
            status = r.status_code
        except httpx.HTTPError as exc:
            status = 0
            reason = str(exc)
    if not arena.hub_alive():
        return broke("the hub stopped answering")
    if status >= 500:
        return broke(f"the hub failed ({status})")
    return held(f"refused ({status or reason})")


@probe("payload.malformed_json")
def malformed_json(arena: Arena) -> Outcome:
    with arena.browser() as phone:
        phone.get("/s/")
        r = phone.post("/s/consent/analytics", content=b'{"on": tru',
                       headers={"content-type": "application/json"})  # fmt: skip
    if r.status_code >= 500 or not arena.hub_alive():
        return broke(f"the hub failed ({r.status_code})")
    return held(f"refused ({r.status_code})")


def _guess(arena: Arena, source: str, name: str, n: int, spoof: bool = False) -> list[int]:
    statuses = []
    with arena.browser(source) as b:
        for _ in range(n):
            extra = {"x-forwarded-for": f"198.51.100.{secrets.randbelow(250) + 1}"} if spoof else {}
            statuses.append(b.login(name, "guess-" + uuid.uuid4().hex, **extra).status_code)
    return statuses


@probe("throttle.locks_out_a_colleague")
def lockout(arena: Arena) -> Outcome:
    """The officer (at the next till) and a colleague (behind the attacker's own address)
    log in after someone guessed at both their accounts, each in a browser they used
    before: neither may be turned away."""
    officer, staff = arena.target.officer, arena.target.staff
    with arena.browser(COLLEAGUE) as office, arena.browser(ATTACKER) as till:
        for browser, person in ((office, officer), (till, staff)):
            browser.login(person.name, person.password)  # known browsers from now on
            browser.post("/logout", data={"csrf": browser.token("/")})
        for person in (officer, staff):
            _guess(arena, ATTACKER, person.name, GUESSES)
        for browser, person in ((office, officer), (till, staff)):
            r = browser.login(person.name, person.password)
            if not (r.status_code == 303 and browser.logged_in()):
                return broke(f"{person.name} was turned away ({r.status_code})")
    return held("both logged in at once after the guessing")


@probe("throttle.guessing_is_slowed")
def guessing(arena: Arena) -> Outcome:
    with _account(arena) as (name, _):
        statuses = _guess(arena, GUESSER, name, GUESSES)
    checked = statuses.count(401)
    if 429 not in statuses:
        return broke(f"{checked} passwords checked at full speed, never slowed")
    return held(f"slowed after {statuses.index(429)} guesses ({checked} checked of {GUESSES})")


@probe("throttle.forwarded_for_spoofing")
def spoofing(arena: Arena) -> Outcome:
    """A new X-Forwarded-For each guess, to look like many people."""
    with _account(arena) as (name, _):
        statuses = _guess(arena, SPOOFER, name, GUESSES, spoof=True)
    if 429 not in statuses:
        return broke(f"{statuses.count(401)} guesses, never slowed: the header was believed")
    return held(f"slowed after {statuses.index(429)} guesses all the same")


@probe("device.revoked_kiosk_gets_in")
def revoked(arena: Arena) -> Outcome:
    """Last: the admin revokes the stolen kiosk on the dashboard; its login must stop
    working at the broker at once."""
    admin, stolen = arena.target.admin, arena.stolen.device
    with arena.browser() as b:
        b.login(admin.name, admin.password)
        b.post(f"/admin/devices/{stolen}/revoke",
               data={"csrf": b.token("/admin/devices"), "confirm": stolen})  # fmt: skip
    time.sleep(1.0)
    from simulators.attack.mqtt import Connection  # noqa: PLC0415

    conn = Connection(arena.as_stolen(), stolen)
    if conn.open():
        conn.close()
        return broke("the revoked kiosk still logs in to the broker")
    return held(f"the broker refused it: {conn.refused}")
