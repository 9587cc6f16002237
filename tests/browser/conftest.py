"""One Chromium for the browser tests: Debian's, launched by Playwright (its own browser
download does not work here). ``make test`` installs it; without it the tests fail with
a sentence saying so rather than skip, so a broken install step cannot hide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from domain.maps.png import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")  # Playwright's sync API holds an event loop while open
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()
