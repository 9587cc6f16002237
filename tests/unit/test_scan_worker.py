"""The per-frame deadline: a frame that overruns kills the worker, a new one takes over."""

from __future__ import annotations

import os

from domain.catalog.symbols import Code
from edge.scan.worker import DeadlineDecoder
from simulators.camera import FrameSpec, Placement, render


def _frame() -> FrameSpec:
    code = Code("EAN13", "4006381333931")
    return FrameSpec(
        seed=3, size=(1280, 720), codes=(Placement(code, (0.5, 0.5), 400, 3.0, 0.02),),
        defocus_px=0, motion_px=0, motion_deg=0, light_low=1.0, glare=0, noise_sigma=2,
        jpeg_quality=85, decoys=0,
    )  # fmt: skip


def test_overrun_kills_and_replaces_the_worker() -> None:
    frame = render(_frame())
    with DeadlineDecoder(deadline_s=2.0) as decoder:
        first = decoder.decode(frame)
        assert [r.code for r in first.reads] == [Code("EAN13", "4006381333931")]
        assert not first.overrun
        old_pid = decoder.pid
        decoder.deadline_s = 0.3
        slow = decoder.decode(frame, _delay_s=30.0)  # a pathological frame
        assert slow.overrun
        assert slow.reads == ()
        assert decoder.restarts == 1
        assert decoder.pid != old_pid
        assert old_pid is not None
        try:
            os.kill(old_pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        assert not alive, "the overrunning worker must be gone"
        decoder.deadline_s = 5.0
        again = decoder.decode(frame)
        assert [r.code for r in again.reads] == [Code("EAN13", "4006381333931")]
