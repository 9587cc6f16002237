"""``instore-sim bench scan --json``: the kiosk decoder against zxing-cpp alone and OpenCV
alone on the same generated corpus in the same run, and scan-to-screen latency timed in
Chromium from a frame's arrival to the product card on screen.

Prints exactly ``{"frames", "codes", "decoded", "decoded_ratio", "false", "p50_ms",
"p99_ms", "zxing_cpp": {...}, "opencv": {...}, "scan_to_screen_p99_ms"}`` (DESIGN 9).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import orjson
from tqdm import tqdm

from edge.scan.decoder import Decoder, make_decoder, to_gray
from simulators.bench.scan_corpus import fresh_seed, make_corpus
from simulators.bench.scan_screen import scan_to_screen
from simulators.camera import render
from simulators.catalog import demo_catalog
from simulators.errors import SimError

DEFAULT_FRAMES: Final = 1000
DEFAULT_SEED: Final = 20261123
MIN_FRAMES: Final = 20


@dataclass(slots=True)
class Tally:
    """One decoder's figures over the corpus."""

    decoded: int = 0
    false: int = 0
    ms: list[float] = field(default_factory=list)

    def figures(self, codes: int) -> dict[str, Any]:
        p50, p99 = np.percentile(self.ms, [50, 99]) if self.ms else (0.0, 0.0)
        return {
            "decoded": self.decoded,
            "decoded_ratio": round(self.decoded / codes, 4) if codes else 0.0,
            "false": self.false,
            "p50_ms": round(float(p50), 1),
            "p99_ms": round(float(p99), 1),
        }


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("scan", help="decoder accuracy, false reads, latency, scan-to-screen")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--frames", type=int, default=DEFAULT_FRAMES)
    parser.add_argument(
        "--seed", default=str(DEFAULT_SEED), help="corpus seed, or 'random' for a fresh corpus"
    )
    parser.add_argument("--scans", type=int, default=40, help="scans in the screen test")
    parser.add_argument(
        "--no-screen", action="store_true", help="skip the Chromium scan-to-screen run"
    )
    parser.set_defaults(handler=_run)


def decode_corpus(frames: int, seed: int, progress: bool = True) -> dict[str, Any]:
    """Decode every frame of the corpus with the three decoders, interleaved per frame
    so machine load falls on all three alike."""
    corpus = make_corpus(seed, frames, demo_catalog(seed % 1000))
    decoders: list[Decoder] = [make_decoder(n) for n in ("combined", "zxing_cpp", "opencv")]
    tallies = {d.name: Tally() for d in decoders}
    codes = 0
    for sample in tqdm(corpus, desc="bench scan", unit="frame", file=sys.stderr,
                       disable=not progress):  # fmt: skip
        gray = to_gray(render(sample.spec))
        codes += len(sample.truth)
        for decoder in decoders:
            started = time.perf_counter()
            reads = decoder.decode(gray)
            elapsed = (time.perf_counter() - started) * 1000
            got = {r.code for r in reads}
            tally = tallies[decoder.name]
            tally.ms.append(elapsed)
            tally.decoded += len(got & sample.truth)
            tally.false += len(got - sample.truth)
        del gray
    combined = tallies["combined"].figures(codes)
    return {
        "frames": len(corpus),
        "codes": codes,
        **combined,
        "zxing_cpp": tallies["zxing_cpp"].figures(codes),
        "opencv": tallies["opencv"].figures(codes),
    }


def _run(args: argparse.Namespace) -> int:
    if args.frames < MIN_FRAMES:
        raise SimError(f"--frames must be at least {MIN_FRAMES}")
    try:
        seed = fresh_seed() if args.seed == "random" else int(args.seed)
    except ValueError as exc:
        raise SimError(f"--seed must be an integer or 'random', not {args.seed!r}") from exc
    result = decode_corpus(args.frames, seed)
    result["scan_to_screen_p99_ms"] = None if args.no_screen else scan_to_screen(args.scans)
    if args.json:
        print(orjson.dumps(result).decode())  # noqa: T201
    else:
        for key, value in result.items():
            print(f"{key}: {value}")  # noqa: T201
    return 0
