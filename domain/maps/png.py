"""PNG export for the docs: a headless Chromium screenshot of SVG or of a page.

Playwright is a development dependency, imported only here and only when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from domain.maps.errors import MapError

CHROMIUM: Final = "/usr/bin/chromium"
# Flags for a quiet headless Chromium in a container with no user namespaces or GPU.
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def svg_to_png(svg: str, out: Path, width: int = 1600) -> Path:
    """Write ``svg`` rendered ``width`` pixels wide to ``out`` as PNG."""
    try:
        from playwright.sync_api import Error, sync_playwright  # noqa: PLC0415
    except ImportError as exc:
        raise MapError("PNG export needs playwright (pip install playwright)") from exc
    html = (
        "<!doctype html><html><body style='margin:0;background:#fff'>"
        f"<div id='map' style='width:{width}px'>{svg}</div>"
        "<style>#map svg{width:100%;height:auto;display:block}</style></body></html>"
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            try:
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.set_content(html)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.locator("#map svg").screenshot(path=str(out))
            finally:
                browser.close()
    except Error as exc:
        raise MapError(f"cannot render PNG with {CHROMIUM}: {exc.message}") from exc
    return out
