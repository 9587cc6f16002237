"""HTTP as the attack uses it: a browser-like client (cookies, the forms token) that can
be bound to a source address, and a raw request for paths a client would clean up."""

from __future__ import annotations

import http.client
import re
import ssl
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import httpx

TOKEN: Final = re.compile(r'name="csrf" value="([^"]*)"')
TIMEOUT_S: Final = 30.0


class Browser:
    """One person's browser on the hub's pages (cookies kept), from ``source`` if given."""

    def __init__(self, base_url: str, ca: Path | None, source: str | None = None) -> None:
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca else True
        transport = httpx.HTTPTransport(verify=verify, local_address=source)
        self.client = httpx.Client(
            base_url=base_url, transport=transport, timeout=TIMEOUT_S, follow_redirects=False
        )

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.client.get(path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.client.post(path, **kwargs)  # type: ignore[arg-type]

    def token(self, path: str) -> str:
        """The forms token on the page at ``path`` ("" if it has none)."""
        found = TOKEN.search(self.get(path).text)
        return found[1] if found else ""

    def login(self, name: str, password: str, **headers: str) -> httpx.Response:
        """Log in as a person does: the form first, then the post with its token."""
        token = self.token("/login")
        return self.post(
            "/login",
            data={"username": name, "password": password, "csrf": token, "next": "/"},
            headers=headers,
        )

    def logged_in(self) -> bool:
        return self.get("/").status_code == 200

    def close(self) -> None:
        self.client.close()


def raw_get(base_url: str, ca: Path | None, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (dot segments and escapes left alone)."""
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port
    conn: http.client.HTTPConnection
    if url.scheme == "https":
        context = ssl.create_default_context(cafile=str(ca)) if ca else ssl.create_default_context()
        conn = http.client.HTTPSConnection(host, port, context=context, timeout=TIMEOUT_S)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
