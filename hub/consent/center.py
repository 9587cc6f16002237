"""The phone consent center: ``consent_router(system)``, a FastAPI router under ``/s``.

Mobile-first pages in six languages: per purpose, in plain words, what is collected,
why, how long it is kept and what the shopper gets; switches that take effect at once;
an age check; everything held as a page and a JSON download; erase; a one-time
pairing QR code for a kiosk. The phone is known by a random secret in a cookie; the
shopper's pseudonym is derived from it with a hub key, so the hub keeps no session
table and the cookie alone cannot be turned back into the pseudonym.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Cookie, Form, Header, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from domain.catalog.products import Catalog
from domain.languages import LANGUAGES, pick_language
from domain.pages import language_links
from domain.recs.catalog_recs import Asker, CatalogRecommender
from domain.recs.policy import Moment
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
PREFIX: Final = "/s"
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


def consent_router(  # noqa: PLR0915 - one closure per route, sharing the system
    system: ConsentSystem,
    *,
    secure_cookies: bool = True,
    suggest: CatalogRecommender | None = None,
) -> APIRouter:
    """The consent center's routes, to ``app.include_router(...)`` in the hub web app.
    With ``suggest`` (a recommender over the store's catalog) it has a "For you" page:
    suggestions from what the shopper scanned, while ``personal_recs`` is on."""
    router = APIRouter(prefix=PREFIX)
    settings = system.settings
    days = {p: int(settings.retention_s(p) // 86400) for p in Purpose}

    def set_phone(response: Response, secret: str) -> None:
        response.set_cookie(
            PHONE_COOKIE,
            secret,
            max_age=COOKIE_DAYS * 86400,
            httponly=True,
            secure=secure_cookies,
            samesite="strict",
            path=PREFIX,
        )

    def known(secret: str | None) -> str:
        if not secret:
            raise HTTPException(status_code=400, detail="open the consent center first")
        return system.registry.keys.pseudonym(secret)

    def page(name: str, lang: str, **extra: Any) -> str:
        return TEMPLATES.get_template(name).render(
            lang=lang,
            ui=UI[lang],
            texts=PURPOSE_TEXTS[lang],
            languages=language_links(lambda code: f"?lang={code}"),
            base=PREFIX,
            for_you=suggest is not None,
            **extra,
        )

    @router.get("/", response_class=HTMLResponse)
    def center(
        lang: str | None = None,
        under: int = 0,
        instore_phone: PhoneCookie = None,
        instore_lang: LangCookie = None,
        accept_language: AcceptLanguage = None,
    ) -> HTMLResponse:
        fresh = None
        secret = instore_phone
        if not secret or not 20 <= len(secret) <= 100:
            secret = fresh = secrets.token_urlsafe(24)
        subject = system.registry.keys.pseudonym(secret)
        chosen = pick_language(lang or instore_lang, accept_language)
        out = HTMLResponse(
            page(
                "center.html",
                chosen,
                purposes=list(Purpose),
                granted=system.registry.granted(subject),
                age_ok=system.registry.age_ok(subject),
                under_age=bool(under),
                minimum_age=settings.minimum_age,
                days=days,
            )
        )
        if fresh is not None:
            set_phone(out, fresh)
        if lang in LANGUAGES:
            out.set_cookie(LANG_COOKIE, chosen, max_age=COOKIE_DAYS * 86400, path=PREFIX)
        return out

    @router.post("/age")
    def age(birth_year: Annotated[int, Form()], instore_phone: PhoneCookie = None) -> Response:
        subject = known(instore_phone)
        ok = system.registry.confirm_age(subject, birth_year, datetime.now(UTC).year)
        return RedirectResponse(f"{PREFIX}/" if ok else f"{PREFIX}/?under=1", status_code=303)

    @router.post("/consent/{purpose}")
    async def switch(
        purpose: str,
        request: Request,
        instore_phone: PhoneCookie = None,
        instore_lang: LangCookie = None,
    ) -> Response:
        subject = known(instore_phone)
        try:
            chosen = Purpose(purpose)
        except ValueError as exc:
            raise HTTPException(status_code=404, detail="no such purpose") from exc
        is_json = request.headers.get("content-type", "").startswith("application/json")
        if is_json:
            body = orjson.loads(await request.body() or b"{}")
            on = bool(body.get("on")) if isinstance(body, dict) else False
        else:
            form = await request.form()
            on = str(form.get("on", "0")) in ("1", "true", "on")
        try:
            receipt = system.registry.set_consent(
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
    def me(instore_phone: PhoneCookie = None, instore_lang: LangCookie = None) -> str:
        subject = known(instore_phone)
        held = system.requests.export(subject)
        return page("me.html", pick_language(instore_lang, None), held=held)

    @router.get("/for-you", response_class=HTMLResponse)
    def for_you(instore_phone: PhoneCookie = None, instore_lang: LangCookie = None) -> str:
        if suggest is None:
            raise HTTPException(status_code=404, detail="this store shows no suggestions")
        subject = known(instore_phone)
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
        return page(
            "for_you.html",
            lang,
            allowed=allowed,
            purpose=Purpose.PERSONAL_RECS,
            suggestions=shown,
            based_on=names[:FOR_YOU_BASED_ON],
        )

    @router.get("/me.json")
    def me_json(instore_phone: PhoneCookie = None) -> Response:
        subject = known(instore_phone)
        held = system.requests.export(subject)
        return Response(
            orjson.dumps(held, option=orjson.OPT_INDENT_2),
            media_type="application/json",
            headers={"content-disposition": 'attachment; filename="my-instore-data.json"'},
        )

    @router.post("/erase")
    def erase(
        request: Request, instore_phone: PhoneCookie = None, instore_lang: LangCookie = None
    ) -> Response:
        subject = known(instore_phone)
        report = system.requests.erase(subject)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(report.to_json())
        lang = pick_language(instore_lang, None)
        expires = report.last_copy_expires or "—"
        return HTMLResponse(page("erased.html", lang, expires=expires))

    @router.get("/pair", response_class=HTMLResponse)
    def pair(instore_phone: PhoneCookie = None, instore_lang: LangCookie = None) -> str:
        subject = known(instore_phone)
        code = system.pairing.issue(subject)
        return page(
            "pair.html",
            pick_language(instore_lang, None),
            code=code,
            qr=qr_svg(code),
            ttl=settings.pair_ttl_s,
        )

    @router.post(
        REDEEM_PATH.removeprefix(PREFIX),
        responses={200: {"model": PairingAnswer}, 401: {}, 404: {}},
        openapi_extra=_REDEEM_OPENAPI,
    )
    async def redeem(request: Request) -> Response:
        """For a kiosk that read a pairing QR code, asking signed with its device key:
        the shopper's pseudonym, the receipts their purposes are on under (events carry
        them) and, with personal_recs, what they scanned before; once, before expiry."""
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
    def ble_key(instore_phone: PhoneCookie = None) -> dict[str, Any]:
        """For the phone app: the key it derives its rotating BLE tokens from."""
        subject = known(instore_phone)
        key = system.registry.ble_key(subject)
        if key is None:
            raise HTTPException(status_code=404, detail="presence is off")
        return {"key": key.hex(), "context": CONTEXT.decode(), "window_s": WINDOW_S}

    @router.get("/notice", response_class=HTMLResponse)
    def notice() -> str:
        return notice_html(settings)

    return router


def _price(cents: int, catalog: Catalog, gtin: str, lang: str) -> str:
    """The one shelf price, written the way ``lang`` writes money (1.99 / 1,99)."""
    product = catalog.get(gtin)
    currency = product.currency if product else ""
    amount = f"{cents // 100}.{cents % 100:02d}"
    return f"{amount if lang == 'en' else amount.replace('.', ',')} {currency}".strip()
