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

from hub.consent.datamap import TEMPLATES, notice_html, qr_svg
from hub.consent.settings import ConsentError
from hub.consent.system import ConsentSystem
from hub.consent.texts import LANGUAGES, PURPOSE_TEXTS, UI, pick_language
from protocol.ble_token import CONTEXT, WINDOW_S
from protocol.purposes import Purpose

PHONE_COOKIE: Final = "instore_phone"
LANG_COOKIE: Final = "instore_lang"
COOKIE_DAYS: Final = 400  # browsers cap cookie lifetimes at about 400 days
PREFIX: Final = "/s"

PhoneCookie = Annotated[str | None, Cookie(alias=PHONE_COOKIE)]
LangCookie = Annotated[str | None, Cookie(alias=LANG_COOKIE)]
AcceptLanguage = Annotated[str | None, Header()]


def consent_router(  # noqa: PLR0915 - one closure per route, sharing the system
    system: ConsentSystem, *, secure_cookies: bool = True
) -> APIRouter:
    """The consent center's routes, to ``app.include_router(...)`` in the hub web app."""
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
            languages=LANGUAGES,
            base=PREFIX,
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

    @router.post("/pair/redeem")
    async def redeem(request: Request) -> dict[str, Any]:
        """For a kiosk that read a pairing QR code: the shopper's pseudonym and the
        receipts their purposes are on under (events carry them), once, before expiry."""
        body = orjson.loads(await request.body() or b"{}")
        code = body.get("code") if isinstance(body, dict) else None
        subject = system.pairing.redeem(str(code or ""))
        if subject is None:
            raise HTTPException(status_code=404, detail="unknown or expired pairing code")
        system.registry.audit("kiosk", "pair.redeem", subject, {})
        return {
            "subject": subject,
            "consents": {str(p): system.registry.record_id(subject, p) for p in Purpose},
        }

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
