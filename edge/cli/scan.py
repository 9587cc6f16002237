"""``instore-edge scan``: decode images (a proof command) and check catalog feeds."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from edge.errors import EdgeInputError

if TYPE_CHECKING:
    from edge.ports import Frame


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scan = sub.add_parser("scan", help="read barcodes and QR codes; check catalog feeds")
    verbs = scan.add_subparsers(dest="scan_command", required=True, metavar="VERB")
    decode = verbs.add_parser("decode", help="decode images, one JSON line per image")
    decode.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    decode.add_argument("--json", action="store_true", help="print one JSON object a line")
    decode.add_argument(
        "--decoder", default="combined", choices=("combined", "zxing_cpp", "opencv")
    )
    decode.set_defaults(handler=_decode)
    feed = verbs.add_parser("feed-check", help="check a CSV or JSON catalog feed")
    feed.add_argument("feed", type=Path)
    feed.set_defaults(handler=_feed_check)


def _read_image(path: Path) -> Frame:
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    try:
        data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    except OSError as exc:
        raise EdgeInputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        raise EdgeInputError(f"{path} is not an image OpenCV can read")
    return np.asarray(image, np.uint8)


def _decode(args: argparse.Namespace) -> int:
    from edge.scan.decoder import make_decoder, to_gray  # noqa: PLC0415

    decoder = make_decoder(args.decoder)
    for path in args.images:
        gray = to_gray(_read_image(path))
        started = time.perf_counter()
        reads = decoder.decode(gray)
        ms = round((time.perf_counter() - started) * 1000, 1)
        codes = [{"format": r.code.format, "text": r.code.text} for r in reads]
        if args.json:
            line = {"file": str(path), "codes": codes, "ms": ms}
            print(orjson.dumps(line).decode())
        else:
            shown = ", ".join(f"{c['format']} {c['text']}" for c in codes) or "no code"
            print(f"{path}: {shown} ({ms} ms)")
    return 0


def _feed_check(args: argparse.Namespace) -> int:
    from domain.catalog.feed import FeedError, import_full, load_feed_file  # noqa: PLC0415
    from domain.catalog.products import Catalog  # noqa: PLC0415

    text, kind = load_feed_file(args.feed)
    try:
        report = import_full(Catalog(), text, kind)
    except FeedError as exc:
        for error in exc.errors:
            print(f"{args.feed}:{error}")
        return 2
    print(f"ok: {report.added} products")
    return 0
