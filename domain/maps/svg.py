"""One level of a venue as SVG: labelled units, openings, the route, you-are-here and
the destination. Sized in metres (1 user unit = 1 m), north up, so it scales from a
phone to a 1080p kiosk without re-rendering."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from shapely.geometry import MultiPolygon, Polygon

from domain.maps.i18n import phrase
from domain.maps.model import Area, label
from domain.maps.route import Route, Router, level_label

PAD_M: Final = 2.0  # margin around the level outline, metres
# Label size bounds in metres: 0.7 m is still legible on a phone showing a 60 m shop.
MIN_FONT_M: Final = 0.7
MAX_FONT_M: Final = 1.6

_FILL: Final = {
    "walkway": "#f3f1ea",
    "elevator": "#ffd9a8",
    "stairs": "#ffd9a8",
    "escalator": "#ffd9a8",
    "ramp": "#ffd9a8",
    "steps": "#ffd9a8",
    "restroom": "#d8ecf7",
}
_DEFAULT_FILL: Final = "#e4eef7"

# Presentation attributes, not a <style> element: the pages that show a level inline
# allow no inline style (their Content-Security-Policy), and attributes are not styles.
_UNIT: Final = 'stroke="#5b6470" stroke-width="0.15"'
_OPENING: Final = 'stroke="#ffffff" stroke-width="0.5"'
_TEXT: Final = 'font-family="system-ui, sans-serif"'
_LABEL: Final = f'{_TEXT} fill="#1d2733" text-anchor="middle" dominant-baseline="middle"'
_ROUTE: Final = (
    'fill="none" stroke="#c4005a" stroke-width="0.7" stroke-linecap="round" stroke-linejoin="round"'
)
_HALO: Final = 'paint-order="stroke" stroke="#fff" stroke-width="0.3"'  # legible on any fill
_HERE: Final = 'fill="#0b63ce" stroke="#fff" stroke-width="0.3"'
_DESTINATION: Final = 'fill="#c4005a" stroke="#fff" stroke-width="0.2"'
_MARKER_LABEL: Final = f'{_TEXT} font-size="1.5" font-weight="700" {_HALO}'
_CONNECTOR_LABEL: Final = f'{_TEXT} font-size="1.3" fill="#7a3b00" {_HALO}'


@dataclass(frozen=True, slots=True)
class _Frame:
    minx: float
    maxy: float

    def pt(self, x: float, y: float) -> tuple[float, float]:
        return round(x - self.minx + PAD_M, 2), round(self.maxy - y + PAD_M, 2)

    def path(self, area: Area) -> str:
        polys: Iterable[Polygon] = area.geoms if isinstance(area, MultiPolygon) else [area]
        parts: list[str] = []
        for poly in polys:
            for ring in (poly.exterior, *poly.interiors):
                pts = [self.pt(x, y) for x, y in ring.coords]
                parts.append("M" + " L".join(f"{x},{y}" for x, y in pts) + " Z")
        return " ".join(parts)


def _lines(text: str) -> list[str]:
    """Two lines split at the space nearest the middle when the name is long."""
    if len(text) < 12 or " " not in text:
        return [text]
    cuts = [i for i, c in enumerate(text) if c == " "]
    cut = min(cuts, key=lambda i: abs(i - len(text) / 2))
    return [text[:cut], text[cut + 1 :]]


def _font(area: Area, lines: list[str]) -> float:
    minx, miny, maxx, maxy = area.bounds
    longest = max(len(line) for line in lines)
    fit = min((maxx - minx) / max(longest, 1) * 1.7, (maxy - miny) / (1.5 * len(lines) + 0.5))
    return round(float(max(MIN_FONT_M, min(MAX_FONT_M, fit))), 2)


def _label(x: float, y: float, area: Area, text: str) -> str:
    lines = _lines(text)
    size = _font(area, lines)
    top = y - (len(lines) - 1) * size * 0.6
    spans = "".join(
        f'<tspan x="{x}" y="{round(top + i * size * 1.2, 2)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text class="label" font-size="{size}" {_LABEL}>{spans}</text>'


def render_level(
    router: Router,
    level_id: str,
    route: Route | None = None,
    lang: str = "en",
) -> str:
    """The SVG document of one level; with ``route``, its part on this level, a
    you-are-here dot at its start and a pin at its end when they are on this level."""
    venue = router.venue
    level = venue.levels[level_id]
    minx, miny, maxx, maxy = level.outline.bounds
    frame = _Frame(minx, maxy)
    width, height = maxx - minx + 2 * PAD_M, maxy - miny + 2 * PAD_M
    title = level_label(level, lang)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.2f} {height:.2f}" '
        f'class="map-level" data-level={quoteattr(level_id)} role="img" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
        f'<path class="level" d="{frame.path(level.outline)}" fill="#fbfaf7" '
        'stroke="#2b323b" stroke-width="0.3"/>',
    ]
    units = [u for u in venue.units.values() if u.level_id == level_id]
    for unit in units:
        fill = _FILL.get(unit.category, _DEFAULT_FILL)
        out.append(
            f'<path class="unit" data-id={quoteattr(unit.id)} d="{frame.path(unit.outline)}" '
            f'fill="{fill}" {_UNIT}/>'
        )
    for opening in venue.openings.values():
        if opening.level_id == level_id and not opening.line.is_empty:
            pts = " ".join(f"{x},{y}" for x, y in (frame.pt(*c) for c in opening.line.coords))
            out.append(f'<polyline class="opening" points="{pts}" {_OPENING}/>')
    for unit in units:
        text = label(unit.name, lang)
        if text:
            p = unit.outline.representative_point()
            x, y = frame.pt(p.x, p.y)
            out.append(_label(x, y, unit.outline, text))
    if route is not None:
        out.extend(_route_layer(router, route, level_id, frame, lang=lang, width=width))
    out.append("</svg>")
    return "\n".join(out)


def _route_layer(
    router: Router, route: Route, level_id: str, frame: _Frame, *, lang: str, width: float
) -> list[str]:
    g = router.graph
    out: list[str] = []
    runs: list[list[tuple[float, float]]] = [[]]
    for i in route.nodes:
        node = g.nodes[i]
        if node.level_id == level_id:
            runs[-1].append(frame.pt(node.x, node.y))
        elif runs[-1]:
            runs.append([])
    for run in runs:
        if len(run) > 1:
            pts = " ".join(f"{x},{y}" for x, y in run)
            out.append(f'<polyline class="route" points="{pts}" {_ROUTE}/>')
    # Where the route leaves this level: say how, and to which floor.
    for a, b in pairwise(route.nodes):
        na, nb = g.nodes[a], g.nodes[b]
        conn = g.info[(a, b)].connector_id
        if conn and na.level_id == level_id and nb.level_id != level_id:
            x, y = frame.pt(na.x, na.y)
            kind = router.venue.connectors[conn].kind
            text = phrase(lang, kind, level=level_label(router.venue.levels[nb.level_id], lang))
            # Labels near the right edge run leftwards so they stay on the map.
            right = x > width * 0.6
            anchor = "end" if right else "start"
            out.append(
                f'<text class="connector-label" {_CONNECTOR_LABEL} '
                f'x="{x - 1.2 if right else x + 1.2}" '
                f'y="{y - 1.2}" text-anchor="{anchor}">{escape(text.rstrip("."))}</text>'
            )
    first, last = g.nodes[route.nodes[0]], g.nodes[route.nodes[-1]]
    if first.level_id == level_id:
        x, y = frame.pt(first.x, first.y)
        out.append(
            f'<g class="here"><circle cx="{x}" cy="{y}" r="0.9" {_HERE}/>'
            f'<text class="marker-label" {_MARKER_LABEL} x="{x + 1.3}" y="{y + 0.4}" '
            'fill="#0b63ce">'
            f"{escape(phrase(lang, 'here'))}</text></g>"
        )
    if last.level_id == level_id:
        x, y = frame.pt(last.x, last.y)
        name = router.venue.name_of(last.feature_id, lang)
        out.append(
            f'<g class="destination"><path d="M{x},{y} l-0.9,-1.8 a1,1 0 1 1 1.8,0 z" '
            f"{_DESTINATION}/>"
            f'<text class="marker-label" {_MARKER_LABEL} x="{x + 1.3}" y="{y - 1.2}" '
            'fill="#c4005a">'
            f"{escape(name)}</text></g>"
        )
    return out
