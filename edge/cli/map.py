"""``instore-edge map``: validate a map, route on it, render a level to SVG or PNG."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from domain.maps.errors import MapError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("map", help="indoor maps: validate, route, render")
    verbs = parser.add_subparsers(dest="map_command", required=True, metavar="VERB")

    validate = verbs.add_parser("validate", help="check an IMDF archive or a shop YAML")
    validate.add_argument("path", type=Path, help="IMDF .zip or folder, or shop .yaml")
    validate.set_defaults(handler=_validate)

    route = verbs.add_parser("route", help="the shortest route between two places")
    _map_args(route)
    route.add_argument("--from", dest="origin", required=True, help="feature id, name or GTIN")
    route.add_argument("--to", dest="destination", required=True, help="feature id, name or GTIN")
    route.add_argument("--step-free", action="store_true", help="lifts and ramps only")
    route.add_argument("--json", action="store_true", help="print one JSON object")
    route.set_defaults(handler=_route)

    render = verbs.add_parser("render", help="draw a level (and a route) as SVG or PNG")
    _map_args(render)
    render.add_argument("--level", help="level id or ordinal (default: the route's start)")
    render.add_argument("--from", dest="origin", help="route start")
    render.add_argument("--to", dest="destination", help="route end")
    render.add_argument("--step-free", action="store_true", help="lifts and ramps only")
    render.add_argument("--width", type=int, default=1600, help="PNG width in pixels")
    render.add_argument("--out", type=Path, required=True, help="FILE.svg or FILE.png")
    render.set_defaults(handler=_render)


def _map_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--map", dest="map_path", type=Path, required=True, help="the map")
    parser.add_argument("--planogram", type=Path, help="planogram CSV (default: beside the map)")
    parser.add_argument("--lang", default="en", help="en, de, sv, nl, da or fi")


def _validate(args: argparse.Namespace) -> int:
    from domain.maps.load import validate_map  # noqa: PLC0415

    problems = validate_map(args.path)
    for line in problems:
        print(line)
    if not problems:
        print("ok")
    return 1 if problems else 0


def _route(args: argparse.Namespace) -> int:
    from domain.maps.load import open_map  # noqa: PLC0415

    store = open_map(args.map_path, args.planogram)
    router = store.router
    route = router.route(args.origin, args.destination, args.step_free)
    result = router.describe(route, args.lang)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print("\n".join(result["steps"]))
        print(f"{result['length_m']} m")
    return 0


def _render(args: argparse.Namespace) -> int:
    from domain.maps.load import open_map  # noqa: PLC0415
    from domain.maps.route import Route, level_label  # noqa: PLC0415
    from domain.maps.svg import render_level  # noqa: PLC0415

    store = open_map(args.map_path, args.planogram)
    router, venue = store.router, store.venue
    route: Route | None = None
    if args.origin and args.destination:
        route = router.route(args.origin, args.destination, args.step_free)
    level_id = store.level(args.level, route)
    svg = render_level(router, level_id, route, args.lang)
    suffix = args.out.suffix.lower()
    if suffix == ".png":
        from domain.maps.png import svg_to_png  # noqa: PLC0415 (playwright only when asked)

        svg_to_png(svg, args.out, args.width)
    elif suffix == ".svg":
        args.out.write_text(svg, encoding="utf-8")
    else:
        raise MapError(f"{args.out}: write .svg or .png")
    print(f"{args.out}: {level_label(venue.levels[level_id], args.lang)}", file=sys.stderr)
    return 0
