"""Where the browser tests save what they saw: ``docs/screenshots`` with
``INSTORE_SCREENSHOTS=1`` (``make screenshots``, to refresh the pictures the docs show),
otherwise a scratch folder, so that a test run leaves the checkout as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Final

_DOCS: Final = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOTS: Final = (
    _DOCS
    if os.environ.get("INSTORE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "instore-screenshots"
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
