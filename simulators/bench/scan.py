"""``instore-sim bench scan --json``: the kiosk decoder against zxing-cpp alone and OpenCV
alone on the same generated corpus in the same run, and scan-to-screen latency timed in
Chromium from a frame's arrival to the product card on screen.

Prints exactly ``{"frames", "codes", "decoded", "decoded_ratio", "false", "p50_ms",
"p99_ms", "zxing_cpp": {...}, "opencv": {...}, "scan_to_screen_p99_ms"}`` (DESIGN 9).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from edge.scan.decoder import Decoder, make_decoder, to_gray
from simulators.bench.scan_corpus import make_corpus
from simulators.camera import render
from simulators.catalog import demo_catalog


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
