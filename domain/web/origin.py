"""Writes only from our own pages: a request that changes something (POST and the like)
and that a browser says came from another site is refused, whatever cookie it carries.

Browsers say where a request came from in ``Sec-Fetch-Site`` (fetch metadata) and, for
writes, ``Origin``. SameSite cookies already keep most cross-site forms out; this also
covers a sibling site under the same domain (same-site, yet not ours) and browsers that
ignore SameSite. Clients that send neither header (scripts, the tests) are not browsers
under an attacker's page, and are judged by the cookie and the forms token alone.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
FOREIGN_FETCH: Final = frozenset({"cross-site", "same-site"})


def same_origin_writes(request: Request) -> None:
    """A FastAPI dependency for a whole app: 403 for a write from another site."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "") in FOREIGN_FETCH:
        raise HTTPException(status_code=403, detail=CROSS_SITE)
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise HTTPException(status_code=403, detail=CROSS_SITE)


CROSS_SITE: Final = "This was sent from another site. Open the page here and try again."
