"""The loops that feed the kiosk: camera frames through the deadline decoder and the
debouncer, and codes from a handheld scanner. Each runs in its own thread.

Frames are read, decoded in the worker process and dropped; none is stored or sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

from edge.kiosk.kiosk import Kiosk
from edge.ports import Camera, CodeInput
from edge.scan.debounce import Debouncer
from edge.scan.worker import DeadlineDecoder

# Between polls of a camera that had no new frame: a fraction of a 30 fps frame period.
_IDLE_POLL_S: Final = 0.004


class CameraLoop:
    """Reads the newest frame, decodes it under the deadline, and submits new scans."""

    def __init__(
        self,
        camera: Camera,
        kiosk: Kiosk,
        decoder: Callable[[], DeadlineDecoder] = DeadlineDecoder,
        debouncer: Debouncer | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.camera = camera
        self.kiosk = kiosk
        self._make_decoder = decoder
        self.debouncer = debouncer or Debouncer()
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames = 0
        self.overruns = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="kiosk-camera")
        self._thread.start()

    def _run(self) -> None:
        with self._make_decoder() as decoder:
            while not self._stop.is_set():
                frame = self.camera.read()
                if frame is None:
                    self._stop.wait(_IDLE_POLL_S)
                    continue
                arrived = self.clock()
                result = decoder.decode(frame)
                del frame  # the frame's only copy goes here; nothing keeps it
                self.frames += 1
                self.overruns += result.overrun
                for code in self.debouncer.feed([r.code for r in result.reads], arrived):
                    self.kiosk.submit(code, "camera", arrived)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.camera.close()


class ScannerLoop:
    """Submits every code a handheld scanner (keyboard wedge) delivers."""

    def __init__(self, scanner: CodeInput, kiosk: Kiosk) -> None:
        self.scanner = scanner
        self.kiosk = kiosk
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="kiosk-scanner")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            text = self.scanner.read_code(0.2)
            if text:
                self.kiosk.submit_text(text, "scanner", time.time())

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.scanner.close()
