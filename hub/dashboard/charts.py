"""Inline SVG charts (no script, no CDN): each has a title for screen readers and the
page puts the same figures in a table beside it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Final
from xml.sax.saxutils import escape

from markupsafe import Markup

# Okabe-Ito: told apart by people with the common colour-vision deficiencies.
PALETTE: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
WIDTH: Final = 640
HEIGHT: Final = 220
PAD_L: Final = 44
PAD_B: Final = 28
PAD_T: Final = 10


def _label(t: int, step_s: int) -> str:
    return time.strftime("%H:%M" if step_s < 86_400 else "%d %b", time.localtime(t))


def line_chart(
    chart_id: str,
    title: str,
    times: Sequence[int],
    values: dict[str, list[float | None]],
    step_s: int = 3600,
) -> Markup:
    """One line per label over ``times``; None values leave a gap (suppressed figures)."""
    top = max([v for vs in values.values() for v in vs if v is not None] or [1.0]) or 1.0
    plot_w = WIDTH - PAD_L - 8
    plot_h = HEIGHT - PAD_T - PAD_B
    n = max(1, len(times) - 1)

    def x(i: int) -> float:
        return PAD_L + plot_w * i / n

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - v / top)

    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-t"><title id="{escape(chart_id)}-t">'
        f"{escape(title)}</title>",
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{WIDTH - 8}" y2="{PAD_T + plot_h}" '
        'class="axis"/>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + 10}" text-anchor="end" class="tick">{top:g}</text>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + plot_h}" text-anchor="end" class="tick">0</text>',
    ]
    parts.extend(
        f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="tick">'
        f"{_label(times[i], step_s)}</text>"
        for i in range(0, len(times), max(1, len(times) // 6))
    )
    for k, (label, vs) in enumerate(values.items()):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            elif run:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'points="{" ".join(run)}"><title>{escape(label)}</title></polyline>'
                )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch c{k % len(PALETTE)}"></span>{escape(label)}</li>'
        for k, label in enumerate(values)
    )
    return Markup("".join(parts) + f'<ul class="legend">{legend}</ul>')  # noqa: S704 - escaped
