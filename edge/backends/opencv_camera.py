"""The camera port over ``cv2.VideoCapture``: a device index, a video file or an RTSP URL.

When the camera drops (USB unplugged, RTSP stream gone) ``read()`` returns None and the
camera reopens itself after a back-off, so the kiosk keeps running and recovers on its
own. Frames are handed to the caller in memory and never stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

import cv2
import numpy as np

from edge.errors import EdgeError
from edge.ports import Frame

# Back-off between reopen attempts: fast first (a glitch), then slower (unplugged).
_BACKOFF_S: Final = (0.5, 1.0, 2.0, 5.0)
# This many failed reads in a row means the device is gone, not one dropped frame.
_FAILED_READS_TO_REOPEN: Final = 5


def _open_capture(source: str | int) -> cv2.VideoCapture:
    return cv2.VideoCapture(source)


class CameraError(EdgeError):
    """The camera source cannot be used at all (a bad source string)."""


def parse_source(source: str | int) -> str | int:
    """A device index for digits (``"0"`` -> 0), else the string (a path or URL)."""
    if isinstance(source, int):
        return source
    text = source.strip()
    if not text:
        raise CameraError("camera source is empty")
    return int(text) if text.isdigit() else text


class OpenCvCamera:
    """The :class:`edge.ports.Camera` port backed by OpenCV, reconnecting on drop."""

    def __init__(
        self,
        source: str | int,
        width: int | None = None,
        height: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        opener: Callable[[str | int], cv2.VideoCapture] | None = None,
    ) -> None:
        self.source = parse_source(source)
        self._size = (width, height)
        self._clock = clock
        self._opener = opener or _open_capture
        self._capture: cv2.VideoCapture | None = None
        self._failures = 0
        self._attempt = 0
        self._next_open = 0.0
        self.reconnects = 0
        self._ever_opened = False
        self._closed = False

    def _open(self) -> bool:
        capture = self._opener(self.source)
        if not capture.isOpened():
            capture.release()
            delay = _BACKOFF_S[min(self._attempt, len(_BACKOFF_S) - 1)]
            self._attempt += 1
            self._next_open = self._clock() + delay
            return False
        width, height = self._size
        if width and height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame, not a stale queue
        if self._ever_opened:
            self.reconnects += 1
        self._ever_opened = True
        self._capture, self._attempt, self._failures = capture, 0, 0
        return True

    @property
    def is_open(self) -> bool:
        return self._capture is not None

    def read(self) -> Frame | None:
        """The next frame, or None while the camera is (re)connecting."""
        if self._closed:
            return None
        if self._capture is None and (self._clock() < self._next_open or not self._open()):
            return None
        capture = self._capture
        if capture is None:
            return None
        ok, frame = capture.read()
        if ok and frame is not None:
            self._failures = 0
            return np.asarray(frame, np.uint8)
        self._failures += 1
        if self._failures >= _FAILED_READS_TO_REOPEN:
            capture.release()
            self._capture = None
            self._next_open = self._clock() + _BACKOFF_S[0]
        return None

    def close(self) -> None:
        self._closed = True
        if self._capture is not None:
            self._capture.release()
            self._capture = None
