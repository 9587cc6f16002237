"""What every page the project serves shares: one Jinja setup (autoescaped) and the one
language picker, used by the kiosk screen, the phone pages and the map."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final, NamedTuple

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from domain.languages import LANGUAGE_NAMES, LANGUAGES

SHARED: Final = Path(__file__).with_name("templates")


class LanguageLink(NamedTuple):
    code: str
    name: str  # the language in its own words
    href: str


def templates(folder: Path) -> Environment:
    """Templates from ``folder``, which may import the shared ones (``languages.html``)."""
    loader = ChoiceLoader([FileSystemLoader(folder), FileSystemLoader(SHARED)])
    return Environment(loader=loader, autoescape=select_autoescape(["html"]))


def language_links(href: Callable[[str], str]) -> list[LanguageLink]:
    """One link per language, ``href(code)`` giving where each goes."""
    return [LanguageLink(code, LANGUAGE_NAMES[code], href(code)) for code in LANGUAGES]
