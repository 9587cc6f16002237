"""Privacy officer pages: consent ledger with chain verification, data-subject requests,
audit log (with CSV export), data map and retention. Every view is audited."""

from __future__ import annotations

import csv
import importlib
import io
import re
from typing import Any

import orjson
import yaml
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.dashboard import analytics, audit, privacy_data
from hub.dashboard.context import Dash, Dashboard
from hub.dashboard.roles import Area
from protocol.purposes import EVENT_KINDS, PURGED, Purpose


def _subject(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if not re.match(privacy_data.SUBJECT_PATTERN, value):
        raise HTTPException(
            status_code=422, detail="A pseudonym looks like ps_ followed by 16-64 letters."
        )
    return value


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _consent_settings(dash: Dashboard) -> Any | None:
    """The consent package's settings, when it is installed."""
    try:
        module: Any = importlib.import_module("hub.consent.settings")
        hub_settings: Any = importlib.import_module("hub.settings")
    except ImportError:
        return None
    return module.load_settings(hub_settings.HubHome(dash.db_path.parent))


router = APIRouter(prefix="/privacy")


@router.get("", response_class=HTMLResponse)
def privacy_home(request: Request, dash: Dash) -> Response:
    dash.require(request, Area.PRIVACY)
    return RedirectResponse("/privacy/consents", status_code=303)


@router.get("/consents", response_class=HTMLResponse)
def consents(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    q = request.query_params
    subject = _subject(q.get("subject"))
    before = _int(q.get("before"))
    rows = privacy_data.ledger(dash.readers.get(), subject, before)
    reports = None
    if q.get("verify") and dash.consent is not None:
        reports = dash.consent.verify()
    dash.audit(
        session.user.name,
        "dashboard.view.consent_ledger",
        subject,
        {"rows": len(rows), "verified": reports is not None},
    )
    return dash.render(
        "privacy_consents.html",
        request,
        session,
        rows=rows,
        subject=subject or "",
        reports=reports,
        chained=privacy_data.has_table(dash.readers.get(), "consent_ledger"),
        can_verify=dash.consent is not None,
        next_before=rows[-1].n if len(rows) == privacy_data.PAGE and rows[-1].n else None,
    )


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    subject = _subject(request.query_params.get("subject"))
    summary = None
    if subject is not None:
        summary = privacy_data.subject_summary(dash.readers.get(), subject)
        dash.audit(
            session.user.name,
            "dashboard.view.subject",
            subject,
            {"events": sum(summary["events_by_type"].values())},
        )
    return dash.render(
        "privacy_requests.html",
        request,
        session,
        subject=subject or "",
        summary=summary,
        full_export=dash.requests is not None,
    )


@router.get("/requests/export")
def export(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    subject = _subject(request.query_params.get("subject"))
    if subject is None:
        raise HTTPException(status_code=422, detail="Say whose data to export.")
    actor = f"staff:{session.user.name}"
    if dash.requests is not None:
        body = dash.requests.export(subject, actor=actor)  # audited as dsr.access there
    else:
        body = privacy_data.minimal_export(dash.readers.get(), subject)
        dash.audit(session.user.name, "dsr.access", subject, {"events": len(body["events"])})
    return Response(
        orjson.dumps(body, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{subject}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/requests/erase", response_class=HTMLResponse)
async def erase(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    form = await dash.check_form(request, session)
    subject = _subject(form.get("subject"))
    if subject is None or form.get("confirm", "").strip() != subject:
        raise HTTPException(
            status_code=422, detail="Type the pseudonym again to confirm the erasure."
        )
    if dash.requests is None:
        raise HTTPException(
            status_code=409, detail="Erasure needs the consent package in this hub."
        )
    # Audited by the consent package as dsr.erase, with the policy it ran under.
    report = dash.requests.erase(subject, actor=f"staff:{session.user.name}")
    return dash.render(
        "privacy_requests.html",
        request,
        session,
        subject=subject,
        summary=privacy_data.subject_summary(dash.readers.get(), subject),
        full_export=True,
        erased=report.to_json() if hasattr(report, "to_json") else {"subject": subject},
    )


def audit_rows(dash: Dashboard, before: int | None) -> tuple[list[Any], list[audit.AuditRow]]:
    db = dash.readers.get()
    return privacy_data.chained_audit(db, before), audit.recent(db, privacy_data.PAGE)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    before = _int(request.query_params.get("before"))
    chained, own = audit_rows(dash, before)
    dash.audit(session.user.name, "dashboard.view.audit_log", None, {"rows": len(chained)})
    return dash.render(
        "privacy_audit.html",
        request,
        session,
        chained=chained,
        own=own,
        next_before=chained[-1][0] if len(chained) == privacy_data.PAGE else None,
    )


@router.get("/audit.csv")
def audit_csv(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    chained, own = audit_rows(dash, None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["log", "n", "time", "actor", "action", "subject", "detail"])
    for n, row in chained:
        writer.writerow(["chained", n, row.at, row.actor, row.action, row.target, row.detail])
    for row in own:
        writer.writerow(["dashboard", "", row.at, row.actor, row.action, row.target, row.detail])
    dash.audit(session.user.name, "dashboard.export.audit_log", None, {"rows": len(chained)})
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/datamap", response_class=HTMLResponse)
def datamap(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    counts = analytics.event_type_counts(dash.readers.get())
    consent_settings = _consent_settings(dash)
    kinds = [k for name, k in sorted(EVENT_KINDS.items()) if name != PURGED]
    return dash.render(
        "privacy_datamap.html",
        request,
        session,
        kinds=kinds,
        counts=counts,
        retention=_retention(consent_settings),
    )


@router.get("/retention", response_class=HTMLResponse)
def retention_page(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    consent_settings = _consent_settings(dash)
    return dash.render(
        "privacy_retention.html",
        request,
        session,
        retention=_retention(consent_settings),
        editable=consent_settings is not None,
        saved=request.query_params.get("saved") == "1",
        backup_key_days=getattr(consent_settings, "backup_key_days", None),
    )


@router.post("/retention")
async def retention_save(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.PRIVACY)
    form = await dash.check_form(request, session)
    consent_settings = _consent_settings(dash)
    if consent_settings is None:
        raise HTTPException(status_code=409, detail="Retention is kept by the consent package.")
    days: dict[str, int] = {}
    for purpose in Purpose:
        value = form.get(f"days_{purpose.value}", "")
        if not value.isdigit() or not 1 <= int(value) <= 3650:
            raise HTTPException(
                status_code=422, detail=f"Days for {purpose.value} must be 1 to 3650."
            )
        days[purpose.value] = int(value)
    updated = consent_settings.model_validate(
        consent_settings.model_dump(mode="json") | {"retention_days": days}
    )
    path = dash.db_path.parent / "consent.yaml"
    path.write_text(yaml.safe_dump(updated.model_dump(mode="json")))
    dash.audit(session.user.name, "dashboard.change.retention", None, days)
    return RedirectResponse("/privacy/retention?saved=1", status_code=303)


def _retention(consent_settings: Any | None) -> dict[str, int | None]:
    if consent_settings is None:
        return {p.value: None for p in Purpose}
    return {p.value: int(consent_settings.retention_s(p) // 86400) for p in Purpose}
