"""A per-frame deadline for decoding, kept by a worker process that is killed and replaced
when a frame overruns.

OpenCV calls cannot be interrupted from a thread (in one trial its multi-QR detector took
90 s on a cluttered 1080p frame), so the decoder runs in a child process. The parent sends
the grey frame through a pipe (memory only: nothing is written to disk), waits up to the
deadline, and on overrun kills the child with SIGKILL and starts a fresh one. The frame
that overran yields no codes; the kiosk simply reads the next one.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Final

import numpy as np

from domain.catalog.symbols import Code
from edge.errors import EdgeError
from edge.ports import Frame
from edge.scan.decoder import Read, make_decoder, to_gray

# 500 ms: a shopper holds a pack still for about a second, so a frame that takes longer
# than half of that is better dropped for the next one than waited for. Normal frames
# take 20-100 ms; the margin keeps a busy machine from killing healthy work.
DEFAULT_DEADLINE_S: Final = 0.5
# A fresh worker imports OpenCV and zxing-cpp; give it this long before calling it dead.
_START_TIMEOUT_S: Final = 30.0


class DecoderWorkerError(EdgeError):
    """The decoder worker could not be started."""


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What the worker made of one frame: reads, time spent, and whether it overran."""

    reads: tuple[Read, ...]
    ms: float
    overrun: bool = False


def _serve(conn: Connection, decoder_name: str) -> None:  # pragma: no cover - child process
    # Ctrl-C reaches the whole process group; the parent ends this worker (it closes the
    # pipe), so the worker must not die first under the camera loop's feet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    decoder = make_decoder(decoder_name)
    conn.send("ready")
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        height, width, data, delay_s = message
        if delay_s:  # test hook: simulate a pathological frame
            time.sleep(delay_s)
        gray = np.frombuffer(data, dtype=np.uint8).reshape(height, width)
        reads = decoder.decode(gray)
        conn.send([(r.code.format, r.code.text, r.center[0], r.center[1]) for r in reads])


class DeadlineDecoder:
    """Decodes frames in a child process with a hard per-frame deadline.

    Not thread-safe: one caller (the kiosk's scan loop) owns it. ``close()`` ends the child.
    """

    def __init__(self, decoder: str = "live", deadline_s: float = DEFAULT_DEADLINE_S) -> None:
        self._decoder = decoder
        self.deadline_s = deadline_s
        # spawn: the parent runs web-server threads, and forking a threaded process is unsafe.
        self._ctx = mp.get_context("spawn")
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._ready = False
        self.restarts = 0
        self._start()

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_serve, args=(child, self._decoder), daemon=True, name="instore-scan-decoder"
        )
        proc.start()
        child.close()
        self._proc, self._conn, self._ready = proc, parent, False

    def _await_ready(self) -> None:
        if self._ready:
            return
        if self._conn is None:
            raise DecoderWorkerError("the decoder worker is closed")
        if not self._conn.poll(_START_TIMEOUT_S) or self._conn.recv() != "ready":
            raise DecoderWorkerError("the decoder worker did not start")
        self._ready = True

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def decode(self, frame: Frame, _delay_s: float = 0.0) -> FrameResult:
        """Codes in ``frame``, or an empty overrun result if the deadline passed (the worker
        is then killed and a new one started)."""
        self._await_ready()
        if self._conn is None:
            raise DecoderWorkerError("the decoder worker is closed")
        gray = np.ascontiguousarray(to_gray(frame))
        started = time.perf_counter()
        self._conn.send((gray.shape[0], gray.shape[1], gray.tobytes(), _delay_s))
        if self._conn.poll(self.deadline_s):
            raw = self._conn.recv()
            ms = (time.perf_counter() - started) * 1000
            reads = tuple(Read(Code(f, t), (x, y)) for f, t, x, y in raw)
            return FrameResult(reads, ms)
        self._replace()
        return FrameResult((), (time.perf_counter() - started) * 1000, overrun=True)

    def _replace(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self.restarts += 1
        self._start()

    def close(self) -> None:
        """End the worker process."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(timeout=2)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(timeout=5)
            self._proc = None

    def __enter__(self) -> DeadlineDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
