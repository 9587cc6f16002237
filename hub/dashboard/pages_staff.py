"""Staff pages: devices, alarms, analytics; live updates by server-sent events."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any, Final

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from hub.dashboard import alarms, analytics, charts
from hub.dashboard.context import Dash, Dashboard
from hub.dashboard.fleet_view import beacons, devices
from hub.dashboard.roles import Area

STREAM_FOR_S: Final = 300.0  # an event stream ends after 5 min; the browser reconnects


def live_summary(dash: Dashboard) -> dict[str, Any]:
    """What the live stream sends: device states and a fingerprint of the open alarms."""
    db = dash.readers.get()
    now = time.time()
    fleet = devices(db, now, dash.settings)
    open_alarms = alarms.open_alarms(db)
    fingerprint = hashlib.blake2b(
        repr([(a.n, a.acknowledged, a.detail) for a in open_alarms]).encode(), digest_size=8
    ).hexdigest()
    dead = db.execute("SELECT COALESCE(MAX(n), 0) FROM dead_letters").fetchone()[0]
    return {
        "t": now,
        "online": sum(d.online for d in fleet),
        "devices": len(fleet),
        "events": sum(d.events_stored for d in fleet),
        "dead_letters": dead,
        "alarms": len(open_alarms),
        "alarms_unacked": sum(a.acknowledged is None for a in open_alarms),
        "alarms_fingerprint": fingerprint,
        "device_states": {
            d.device: {"state": d.state, "outbox": d.outbox_depth, "seen": d.seen_ago_s}
            for d in fleet
        },
    }


router = APIRouter()


def devices_context(dash: Dashboard) -> dict[str, Any]:
    db = dash.readers.get()
    now = time.time()
    fleet = devices(db, now, dash.settings)
    return {
        "devices": fleet,
        "beacons": beacons(db),
        "events": sum(d.events_stored for d in fleet),
        "online": sum(d.online for d in fleet),
        "dead_letters": db.execute("SELECT COALESCE(MAX(n), 0) FROM dead_letters").fetchone()[0],
        "open_alarms": len(alarms.open_alarms(db)),
        "now": now,
    }


@router.get("/", response_class=HTMLResponse)
def index(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.FLEET)
    return dash.render("devices.html", request, session, **devices_context(dash))


@router.get("/fragments/devices")  # for the page's script: errors as problems
def devices_fragment(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.FLEET)
    return dash.render("_devices_table.html", request, session, **devices_context(dash))


@router.get("/api/devices")
def devices_json(request: Request, dash: Dash) -> dict[str, Any]:
    dash.require(request, Area.FLEET)
    ctx = devices_context(dash)
    return {
        "devices": [dataclasses.asdict(d) | {"state": d.state} for d in ctx["devices"]],
        "events": ctx["events"],
        "online": ctx["online"],
        "dead_letters": ctx["dead_letters"],
    }


def alarms_context(dash: Dashboard) -> dict[str, Any]:
    db = dash.readers.get()
    return {
        "alarms": alarms.open_alarms(db),
        "cleared": alarms.recent_cleared(db),
        "now": time.time(),
    }


@router.get("/alarms", response_class=HTMLResponse)
def alarms_page(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.FLEET)
    return dash.render("alarms.html", request, session, **alarms_context(dash))


@router.get("/fragments/alarms")  # for the page's script: errors as problems
def alarms_fragment(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.FLEET)
    return dash.render("_alarms_table.html", request, session, **alarms_context(dash))


@router.post("/alarms/{n}/{action}")
async def alarm_action(request: Request, dash: Dash, n: int, action: str) -> Response:
    session = dash.require(request, Area.FLEET)
    await dash.check_form(request, session)
    if action not in ("ack", "clear"):
        raise HTTPException(status_code=404, detail="No such alarm action.")
    now = time.time()
    with dash.writer() as db:
        done = (alarms.acknowledge if action == "ack" else alarms.clear)(db, n, now)
    if done:
        dash.audit(session.user.name, f"alarm.{action}", None, {"alarm": n})
    return RedirectResponse("/alarms", status_code=303)


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request, dash: Dash) -> Response:
    session = dash.require(request, Area.FLEET)
    db = dash.readers.get()
    now = time.time()
    s = dash.settings
    scans = analytics.scans_per_product(db, now)
    footfall = analytics.footfall_per_zone(db, now)
    cells = analytics.presence_cells(db, now, s)
    buckets = sorted({c.bucket for c in cells})
    times = [b * s.bucket_s for b in buckets]
    zones = sorted({c.zone for c in cells})
    shoppers: dict[str, list[float | None]] = {z: [None] * len(buckets) for z in zones}
    dwell: dict[str, list[float | None]] = {z: [None] * len(buckets) for z in zones}
    pos = {b: i for i, b in enumerate(buckets)}
    for c in cells:
        shoppers[c.zone][pos[c.bucket]] = c.shoppers
        dwell[c.zone][pos[c.bucket]] = (
            None if c.dwell_median_s is None else round(c.dwell_median_s / 60, 1)
        )
    return dash.render(
        "analytics.html",
        request,
        session,
        scans=scans,
        footfall=footfall,
        cells=cells,
        buckets=times,
        zones=zones,
        shoppers=shoppers,
        dwell=dwell,
        scans_chart=charts.line_chart(
            "scans", "Scans per product and hour, last 24 h", scans.times, scans.values
        ),
        footfall_chart=charts.line_chart(
            "footfall",
            "Footfall per zone and hour, last 24 h",
            footfall.times,
            footfall.values,
        ),
        shoppers_chart=charts.line_chart(
            "shoppers",
            f"Consenting shoppers per zone per {s.bucket_s // 60} min (groups of {s.k}+)",
            times,
            shoppers,
            s.bucket_s,
        ),
        dwell_chart=charts.line_chart(
            "dwell", "Median dwell per zone, minutes", times, dwell, s.bucket_s
        ),
    )


@router.get("/live")
async def live(request: Request, dash: Dash) -> Response:
    dash.require(request, Area.FLEET)

    async def stream() -> AsyncIterator[bytes]:
        yield b"retry: 3000\n\n"
        ends = time.monotonic() + STREAM_FOR_S
        while time.monotonic() < ends:
            if await request.is_disconnected():
                return
            summary = await run_in_threadpool(live_summary, dash)
            yield b"event: summary\ndata: " + orjson.dumps(summary) + b"\n\n"
            await asyncio.sleep(dash.settings.live_interval_s)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
