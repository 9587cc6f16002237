"""Every route of a web app, asked for once, its answer held to the project's header
policy (domain/web/headers.py): the header walk of the attack and of the tests.

Routes come from the app itself (mounted apps and their static files included), so a
route added tomorrow is walked tomorrow; a path parameter without a sample value stops
the walk rather than skipping the route.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from simulators.attack.web import Browser

PARAM: Final = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")
HTML_ACCEPT: Final = "text/html,application/xhtml+xml,*/*;q=0.8"
# A script element that runs: neither loaded from a file nor a JSON data block.
INLINE_SCRIPT: Final = re.compile(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>')
CSP_MUST: Final = ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                   "frame-ancestors 'none'")  # fmt: skip
FIRST_BYTES: Final = 256 * 1024  # enough of a page to judge it; streams are cut there


@dataclass(frozen=True, slots=True)
class Page:
    method: str
    path: str
    static: bool = False  # a file under a static mount: may be cached


class MissingSampleError(KeyError):
    """A route's path parameter has no sample value: add one to the walk's samples."""


def pages(routes: list[BaseRoute], samples: Mapping[str, str], prefix: str = "") -> list[Page]:
    """A page per route and method (HEAD aside), and one file per static mount."""
    return list(_pages(routes, samples, prefix))


def _pages(routes: list[BaseRoute], samples: Mapping[str, str], prefix: str) -> Iterator[Page]:
    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, Mount):
            inner = route.app
            if isinstance(inner, StaticFiles):
                yield Page("GET", f"{prefix}{route.path}/{_a_file(inner)}", static=True)
            else:
                yield from _pages(getattr(inner, "routes", []), samples, prefix + route.path)
            continue
        path = context.path
        if path is None:
            continue
        for method in sorted((context.methods or {"GET"}) - {"HEAD"}):
            yield Page(method, prefix + _filled(path, samples))


def _filled(path: str, samples: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name not in samples:
            raise MissingSampleError(f"no sample value for {{{name}}} in {path}")
        return samples[name]

    return PARAM.sub(one, path)


def _a_file(static: StaticFiles) -> str:
    folder = Path(str(static.directory))
    return min(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def faults(page: Page, response: httpx.Response, body: bytes, https: bool) -> list[str]:
    """What the answer to ``page`` lacks of the header policy (empty: nothing)."""
    h = response.headers
    where = f"{page.method} {page.path} ({response.status_code})"
    csp = h.get("content-security-policy", "")
    out = [
        f"{where}: Content-Security-Policy without {part}" for part in CSP_MUST if part not in csp
    ]
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        out.append(f"{where}: Content-Security-Policy allows inline or eval")
    if h.get("x-frame-options", "").upper() != "DENY":
        out.append(f"{where}: no X-Frame-Options DENY")
    if h.get("x-content-type-options", "") != "nosniff":
        out.append(f"{where}: no X-Content-Type-Options nosniff")
    if not page.static and "no-store" not in h.get("cache-control", ""):
        out.append(f"{where}: may be cached (no Cache-Control no-store)")
    if https and "max-age=" not in h.get("strict-transport-security", ""):
        out.append(f"{where}: no Strict-Transport-Security")
    if h.get("content-type", "").startswith("text/html"):
        text = body.decode("utf-8", "replace")
        if INLINE_SCRIPT.search(text):
            out.append(f"{where}: an inline <script>")
        if "<style" in text or re.search(r"\sstyle=", text):
            out.append(f"{where}: inline style")
        if re.search(r"\son[a-z]+=", text):
            out.append(f"{where}: an inline event handler")
    return out


def walk(browser: Browser, walked: list[Page], https: bool) -> list[str]:
    """Ask for every page in ``walked`` (streams cut after their first bytes)."""
    found: list[str] = []
    for page in walked:
        form = None if page.method == "GET" else {"probe": "1"}
        with browser.client.stream(
            page.method, page.path, headers={"accept": HTML_ACCEPT}, data=form
        ) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= FIRST_BYTES or "event-stream" in response.headers.get(
                    "content-type", ""
                ):
                    break
            found.extend(faults(page, response, body, https))
    return found
