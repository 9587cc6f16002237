"""The OpenCV camera backend (a video file stands in for a device) and the simulators."""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.backends.opencv_camera import CameraError, OpenCvCamera, parse_source
from simulators.camera import SimulatedCamera, SimulatedWedgeScanner, random_spec


def _video(path: Path, frames: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (64, 48))
    for i in range(frames):
        writer.write(np.full((48, 64, 3), i * 20, np.uint8))
    writer.release()


def test_sources_parse() -> None:
    assert parse_source("0") == 0
    assert parse_source("rtsp://cam.local/stream") == "rtsp://cam.local/stream"
    with pytest.raises(CameraError):
        parse_source("  ")


def test_camera_reconnects_when_the_source_drops(tmp_path: Path) -> None:
    video = tmp_path / "clip.avi"
    _video(video, 3)
    now = [0.0]
    camera = OpenCvCamera(str(video), clock=lambda: now[0])
    frames = [camera.read() for _ in range(3)]
    assert all(f is not None and f.shape == (48, 64, 3) for f in frames)
    # The stream ends (a camera unplugged): reads give None, then the camera reopens.
    assert [camera.read() for _ in range(5)] == [None] * 5
    assert not camera.is_open
    assert camera.read() is None  # still backing off
    now[0] += 1.0
    frame = camera.read()
    assert frame is not None
    assert camera.reconnects == 1
    camera.close()
    assert camera.read() is None


def test_camera_that_never_opens_backs_off(tmp_path: Path) -> None:
    now = [0.0]
    camera = OpenCvCamera(str(tmp_path / "nothing.avi"), clock=lambda: now[0])
    assert camera.read() is None
    assert camera.read() is None  # within the back-off: no second open attempt
    assert not camera.is_open


def test_simulated_camera_paces_frames_and_wedge_scanner_queues_codes() -> None:
    spec = random_spec(random.Random(2), [], (1280, 720))  # noqa: S311 - a seeded scene
    now = [0.0]
    camera = SimulatedCamera([spec, spec], fps=10, clock=lambda: now[0])
    first = camera.read()
    assert first is not None
    assert first.shape == (720, 1280, 3)
    assert camera.read() is None  # same frame period
    now[0] = 0.1
    assert camera.read() is not None
    now[0] = 0.3
    assert camera.read() is None  # the scenario is over
    scanner = SimulatedWedgeScanner(["4006381333931"])
    scanner.pull_trigger("036000291452")
    assert scanner.read_code(0.1) == "4006381333931"
    assert scanner.read_code(0.1) == "036000291452"
    assert scanner.read_code(0.01) is None
