"""The phone pages: ``phone_app(system)``, an app the hub mounts at ``/s``.

Mobile-first pages in six languages: per purpose, in plain words, what is collected,
why, how long it is kept and what the shopper gets; switches that take effect at once;
an age check; everything held as a page and a JSON download; erase; a one-time
pairing QR code for a kiosk. The phone is known by a random secret in a cookie; the
shopper's pseudonym is derived from it with a hub key, so the hub keeps no session
table and the cookie alone cannot be turned back into the pseudonym.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final

import orjson
from fastapi import (
    APIRouter,
    Cookie,
    Depends,
    FastAPI,
    Form,
    Header,
    HTTPException,
    Request,
    Response,
)
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from domain.catalog.products import Catalog
from domain.languages import LANGUAGES, pick_language
from domain.recs.catalog_recs import Asker, CatalogRecommender
from domain.recs.policy import Moment
from domain.web.headers import HeaderPolicy, SecurityHeaders
from domain.web.origin import same_origin_writes
from domain.web.pages import language_links
from domain.web.problems import answer_errors
from hub.consent.datamap import TEMPLATES, notice_html, qr_svg
from hub.consent.settings import ConsentError
from hub.consent.system import ConsentSystem
from hub.consent.texts import PURPOSE_TEXTS, UI
from protocol.ble_token import CONTEXT, WINDOW_S
from protocol.errors import SignatureError, WireFormatError
from protocol.pairing import (
    MAX_SKEW_S,
    REDEEM_PATH,
    SIGNATURE_HEADER,
    PairingAnswer,
    RedeemRequest,
)
from protocol.purposes import Purpose
from protocol.signing import public_key_from_text, verify

PHONE_COOKIE: Final = "instore_phone"
LANG_COOKIE: Final = "instore_lang"
COOKIE_DAYS: Final = 400  # browsers cap cookie lifetimes at about 400 days
PREFIX: Final = "/s"  # where the hub mounts these pages (cookies are scoped to it)
_HERE: Final = Path(__file__).parent
FOR_YOU_BASED_ON: Final = 5  # the most recent scans named under the suggestions
# The redeem body is read as bytes (the signature covers them exactly): its schema and
# the signature header are declared here for the API document.
_REDEEM_OPENAPI: Final = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": RedeemRequest.model_json_schema()}},
    },
    "parameters": [
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": "base64 Ed25519 signature of the body by the kiosk's device key",
        }
    ],
}

PhoneCookie = Annotated[str | None, Cookie(alias=PHONE_COOKIE)]
LangCookie = Annotated[str | None, Cookie(alias=LANG_COOKIE)]
AcceptLanguage = Annotated[str | None, Header()]


@dataclass(frozen=True, slots=True)
class Phone:
    """What the phone pages serve from: the consent system, and the store's recommender
    for "For you" (None: the page says there are no suggestions here)."""

    system: ConsentSystem
    secure_cookies: bool
    suggest: CatalogRecommender | None
    days: dict[Purpose, int]  # retention per purpose, as the pages say it

    def known(self, secret: str | None) -> str:
        """The pseudonym of the phone with this cookie; 400 if it has none yet."""
        if not secret:
            raise HTTPException(status_code=400, detail="open the consent center first")
        return self.system.registry.keys.pseudonym(secret)

    def page(self, name: str, lang: str, **extra: Any) -> str:
        return TEMPLATES.get_template(name).render(
            lang=lang,
            ui=UI[lang],
            texts=PURPOSE_TEXTS[lang],
            languages=language_links(lambda code: f"?lang={code}"),
            base=PREFIX,
            for_you=self.suggest is not None,
            **extra,
        )

    def set_phone(self, response: Response, secret: str) -> None:
        response.set_cookie(
            PHONE_COOKIE,
            secret,
            max_age=COOKIE_DAYS * 86400,
            httponly=True,
            secure=self.secure_cookies,
            samesite="strict",
            path=PREFIX,
        )


def _phone(request: Request) -> Phone:
    phone: Phone = request.app.state.phone
    return phone


PhoneDep = Annotated[Phone, Depends(_phone)]
router = APIRouter()


def phone_app(
    system: ConsentSystem,
    *,
    secure_cookies: bool = True,
    suggest: CatalogRecommender | None = None,
) -> FastAPI:
    """The phone pages, to mount at ``/s``. With ``suggest`` (a recommender over the
    store's catalog) they have a "For you" page: suggestions from what the shopper
    scanned, while ``personal_recs`` is on."""
    days = {p: int(system.settings.retention_s(p) // 86400) for p in Purpose}
    app = FastAPI(
        title="instore phone pages",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(same_origin_writes)],
    )
    app.state.phone = Phone(system, secure_cookies, suggest, days)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="phone-static")
    app.include_router(router)
    answer_errors(app, _error_page)
    app.add_middleware(SecurityHeaders, policy=HeaderPolicy())
    return app


@router.get("/", response_class=HTMLResponse)
def center(
    phone: PhoneDep,
    *,
    lang: str | None = None,
    under: int = 0,
    instore_phone: PhoneCookie = None,
    instore_lang: LangCookie = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    """The consent center: each purpose in plain words, with its switch."""
    registry = phone.system.registry
    fresh = None
    secret = instore_phone
    if not secret or not 20 <= len(secret) <= 100:
        secret = fresh = secrets.token_urlsafe(24)
    subject = registry.keys.pseudonym(secret)
    chosen = pick_language(lang or instore_lang, accept_language)
    out = HTMLResponse(
        phone.page(
            "center.html",
            chosen,
            purposes=list(Purpose),
            granted=registry.granted(subject),
            age_ok=registry.age_ok(subject),
            under_age=bool(under),
            minimum_age=phone.system.settings.minimum_age,
            days=phone.days,
        )
    )
    if fresh is not None:
        phone.set_phone(out, fresh)
    if lang in LANGUAGES:
        out.set_cookie(LANG_COOKIE, chosen, max_age=COOKIE_DAYS * 86400, path=PREFIX)
    return out


@router.post("/age")
def age(
    phone: PhoneDep, birth_year: Annotated[int, Form()], instore_phone: PhoneCookie = None
) -> Response:
    """The age check, once, before any switch can be turned on."""
    subject = phone.known(instore_phone)
    ok = phone.system.registry.confirm_age(subject, birth_year, datetime.now(UTC).year)
    return RedirectResponse(f"{PREFIX}/" if ok else f"{PREFIX}/?under=1", status_code=303)


@router.post("/consent/{purpose}")
async def switch(
    purpose: str,
    request: Request,
    phone: PhoneDep,
    instore_phone: PhoneCookie = None,
    instore_lang: LangCookie = None,
) -> Response:
    """A purpose on or off, at once: JSON from the page's script, a form without it."""
    subject = phone.known(instore_phone)
    try:
        chosen = Purpose(purpose)
    except ValueError as exc:
        raise HTTPException(status_code=404, detail="no such purpose") from exc
    is_json = request.headers.get("content-type", "").startswith("application/json")
    if is_json:
        try:
            body = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError as exc:
            raise HTTPException(status_code=400, detail='send {"on": true} or false') from exc
        on = bool(body.get("on")) if isinstance(body, dict) else False
    else:
        form = await request.form()
        on = str(form.get("on", "0")) in ("1", "true", "on")
    try:
        receipt = phone.system.registry.set_consent(
            subject, chosen, on, language=pick_language(instore_lang, None)
        )
    except ConsentError as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from exc
    if is_json:
        return JSONResponse(
            {"purpose": str(chosen), "on": on, "receipt": receipt.consent_receipt_id}
        )
    return RedirectResponse(f"{PREFIX}/", status_code=303)


@router.get("/me", response_class=HTMLResponse)
def me(phone: PhoneDep, instore_phone: PhoneCookie = None, instore_lang: LangCookie = None) -> str:
    """Everything held about this phone's shopper, as a page."""
    subject = phone.known(instore_phone)
    held = phone.system.requests.export(subject)
    return phone.page("me.html", pick_language(instore_lang, None), held=held)


@router.get("/for-you", response_class=HTMLResponse)
def for_you(
    phone: PhoneDep, instore_phone: PhoneCookie = None, instore_lang: LangCookie = None
) -> str:
    """Suggestions from what the shopper scanned here, while ``personal_recs`` is on."""
    suggest, system = phone.suggest, phone.system
    if suggest is None:
        raise HTTPException(status_code=404, detail="this store shows no suggestions")
    subject = phone.known(instore_phone)
    lang = pick_language(instore_lang, None)
    allowed = system.check(subject, Purpose.PERSONAL_RECS)
    history = system.history.scanned(subject)  # empty unless personal_recs is on
    shown: list[dict[str, str]] = []
    if history:
        asker = Asker(frozenset({Purpose.PERSONAL_RECS}), history, language=lang)
        decision, _ = suggest.at(system.clock(), None, Moment.ASKED, asker)
        shown = [
            {"name": s.name, "price": _price(s.price_cents, suggest.catalog, s.sku, lang),
             "why": s.why}
            for s in decision.personal
        ]  # fmt: skip
    names = [p.name for p in map(suggest.catalog.get, reversed(history)) if p is not None]
    return phone.page(
        "for_you.html",
        lang,
        allowed=allowed,
        purpose=Purpose.PERSONAL_RECS,
        suggestions=shown,
        based_on=names[:FOR_YOU_BASED_ON],
    )


@router.get("/me.json")
def me_json(phone: PhoneDep, instore_phone: PhoneCookie = None) -> Response:
    """Everything held, as a JSON download."""
    subject = phone.known(instore_phone)
    held = phone.system.requests.export(subject)
    return Response(
        orjson.dumps(held, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"content-disposition": 'attachment; filename="my-instore-data.json"'},
    )


@router.post("/erase")
def erase(
    request: Request,
    phone: PhoneDep,
    instore_phone: PhoneCookie = None,
    instore_lang: LangCookie = None,
) -> Response:
    """Erase everything held about this shopper (crypto-shredding)."""
    subject = phone.known(instore_phone)
    report = phone.system.requests.erase(subject)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(report.to_json())
    lang = pick_language(instore_lang, None)
    expires = report.last_copy_expires or "—"
    return HTMLResponse(phone.page("erased.html", lang, expires=expires))


@router.get("/pair", response_class=HTMLResponse)
def pair(
    phone: PhoneDep, instore_phone: PhoneCookie = None, instore_lang: LangCookie = None
) -> str:
    """A one-time pairing QR code for a kiosk."""
    subject = phone.known(instore_phone)
    code = phone.system.pairing.issue(subject)
    return phone.page(
        "pair.html",
        pick_language(instore_lang, None),
        code=code,
        qr=qr_svg(code),
        ttl=phone.system.settings.pair_ttl_s,
    )


@router.post(
    REDEEM_PATH.removeprefix(PREFIX),
    responses={200: {"model": PairingAnswer}, 401: {}, 404: {}},
    openapi_extra=_REDEEM_OPENAPI,
)
async def redeem(request: Request, phone: PhoneDep) -> Response:
    """For a kiosk that read a pairing QR code, asking signed with its device key:
    the shopper's pseudonym, the receipts their purposes are on under (events carry
    them) and, with personal_recs, what they scanned before; once, before expiry."""
    system = phone.system
    body = await request.body()
    try:
        asked = RedeemRequest.from_bytes(body)
    except WireFormatError as exc:
        raise HTTPException(status_code=400, detail=f"bad redeem request: {exc}") from exc
    key = system.kiosk_key(asked.device)
    if key is None:
        raise HTTPException(status_code=401, detail="kiosk not recognised: not enrolled")
    try:
        verify(public_key_from_text(key), body, request.headers.get(SIGNATURE_HEADER))
    except SignatureError as exc:
        raise HTTPException(status_code=401, detail=f"kiosk not recognised: {exc}") from exc
    if abs(asked.ts - system.clock()) > MAX_SKEW_S:
        raise HTTPException(status_code=401, detail="request too old or from the future")
    subject = system.pairing.redeem(asked.code)
    if subject is None:
        raise HTTPException(status_code=404, detail="unknown or expired pairing code")
    history = system.history.scanned(subject)
    detail = {"device": asked.device, "history_items": len(history)}
    system.registry.audit("kiosk", "pair.redeem", subject, detail)
    answer = PairingAnswer(
        subject=subject,
        consents={str(p): system.registry.record_id(subject, p) for p in Purpose},
        history=list(history),
    )
    return Response(answer.to_bytes(), media_type="application/json")


@router.get("/ble-key")
def ble_key(phone: PhoneDep, instore_phone: PhoneCookie = None) -> dict[str, Any]:
    """For the phone app: the key it derives its rotating BLE tokens from."""
    subject = phone.known(instore_phone)
    key = phone.system.registry.ble_key(subject)
    if key is None:
        raise HTTPException(status_code=404, detail="presence is off")
    return {"key": key.hex(), "context": CONTEXT.decode(), "window_s": WINDOW_S}


@router.get("/notice", response_class=HTMLResponse)
def notice(phone: PhoneDep) -> str:
    """The in-store notice, as printed by the door."""
    return notice_html(phone.system.settings, base=PREFIX)


def _error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    lang = pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    phone = _phone(request)
    html = phone.page("error.html", lang, status=status, detail=detail)
    return HTMLResponse(html, status_code=status)


def _price(cents: int, catalog: Catalog, gtin: str, lang: str) -> str:
    """The one shelf price, written the way ``lang`` writes money (1.99 / 1,99)."""
    product = catalog.get(gtin)
    currency = product.currency if product else ""
    amount = f"{cents // 100}.{cents % 100:02d}"
    return f"{amount if lang == 'en' else amount.replace('.', ',')} {currency}".strip()
