"""One security-header policy for every page the project serves.

Each web app (the kiosk screen, and the hub's dashboard, phone pages and map, each a
mounted app of its own) wraps itself in :class:`SecurityHeaders` with a
:class:`HeaderPolicy`; the policy differs only where an app must (a personal page is
never cached; static files may be). A header the app set itself is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Same origin for everything: no CDN, no inline script or style, no frames, forms post
# only here. SVG presentation attributes (fill="...") are attributes, not styles.
STRICT_CSP: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
HSTS: Final = "max-age=31536000"  # a year: browsers remember to use HTTPS only


@dataclass(frozen=True, slots=True)
class HeaderPolicy:
    csp: str = STRICT_CSP
    # Paths (below the app's mount) whose responses may be cached: static files.
    cacheable: tuple[str, ...] = ("/static/",)

    def headers(self, path: str, https: bool) -> list[tuple[str, str]]:
        out = [
            ("Content-Security-Policy", self.csp),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "same-origin"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if not path.startswith(self.cacheable):
            out.append(("Cache-Control", "no-store"))
        if https:
            out.append(("Strict-Transport-Security", HSTS))
        return out


class SecurityHeaders:
    """ASGI middleware: every HTTP response of the wrapped app gets the policy's headers."""

    def __init__(self, app: ASGIApp, policy: HeaderPolicy | None = None) -> None:
        self.app = app
        self.policy = policy or HeaderPolicy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path = scope["path"][len(root) :] if scope["path"].startswith(root) else scope["path"]
        extra = self.policy.headers(path, scope.get("scheme") == "https")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
