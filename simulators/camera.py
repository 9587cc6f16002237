"""A simulated kiosk camera and a simulated handheld scanner.

The camera renders catalog barcodes (EAN-13, EAN-8, UPC-A) and QR codes (GS1 Digital Link
and phone pairing) into camera-like frames: a cluttered background, a label held at an
angle (rotation and perspective), small and large codes, defocus and motion blur, uneven
light, glare, sensor noise and JPEG compression, at 720p or 1080p. Every frame is made
from a :class:`FrameSpec`, so a corpus is a list of specs rendered one at a time and a
frame exists only in memory.
"""

from __future__ import annotations

import math
import queue
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import zxingcpp

from domain.catalog.symbols import Code
from edge.ports import Frame

RESOLUTIONS: Final = ((1280, 720), (1920, 1080))
_ZXING_FORMAT: Final = {
    "EAN13": zxingcpp.BarcodeFormat.EAN13,
    "EAN8": zxingcpp.BarcodeFormat.EAN8,
    "UPCA": zxingcpp.BarcodeFormat.UPCA,
    "QR": zxingcpp.BarcodeFormat.QRCode,
}
_WORDS: Final = ("SALE", "NEW", "Bio", "500 g", "Organic", "1.99", "Fresh", "Milk", "Kaffe")


@dataclass(frozen=True, slots=True)
class Placement:
    """One code in a frame: what it is and how it is held."""

    code: Code
    center: tuple[float, float]  # fraction of the frame's width and height
    width_px: float  # printed width of the symbol (with quiet zone) before perspective
    angle_deg: float
    tilt: float  # 0 = facing the camera; 0.3 = corners moved by 30 % of the size


@dataclass(frozen=True, slots=True)
class FrameSpec:
    """Everything needed to render one frame, deterministically from ``seed``."""

    seed: int
    size: tuple[int, int]
    codes: tuple[Placement, ...]
    defocus_px: float
    motion_px: float
    motion_deg: float
    light_low: float  # darkest multiplier of the uneven-light field (1.0: even)
    glare: float  # 0: none; 1: a blown-out highlight
    noise_sigma: float
    jpeg_quality: int
    decoys: int  # stripe patterns that look like barcodes but are none


def symbol_image(code: Code) -> Frame:
    """The code as a clean black-on-white image, one pixel per module, with quiet zones."""
    fmt = _ZXING_FORMAT[code.format]
    text = code.text[:-1] if code.format in ("EAN13", "EAN8", "UPCA") else code.text
    barcode = zxingcpp.create_barcode(text, fmt)
    image = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1), dtype=np.uint8)
    if code.format != "QR":
        # A linear symbol on a pack is about 0.3x as tall as wide (GS1 nominal ~0.27).
        height = max(12, int(image.shape[1] * 0.3))
        image = np.repeat(image[:1], height, axis=0)
    return np.ascontiguousarray(image)


def _background(rng: np.random.Generator, width: int, height: int, decoys: int) -> Frame:
    """A shelf-like clutter: a colour gradient, boxes, lines, words and decoy stripes."""
    base = rng.uniform(40, 200, size=3)
    tint = rng.uniform(-60, 60, size=3)
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    image = np.clip(base + tint * ramp, 0, 255).astype(np.uint8)
    image = np.ascontiguousarray(np.broadcast_to(image, (height, width, 3)))
    for _ in range(int(rng.integers(6, 18))):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(40, width // 3)), int(rng.integers(30, height // 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, -1)
    for _ in range(int(rng.integers(4, 12))):
        p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        p2 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        cv2.line(image, p1, p2, colour, int(rng.integers(1, 6)))
    for _ in range(int(rng.integers(3, 10))):
        org = (int(rng.integers(0, width - 100)), int(rng.integers(30, height)))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        word = _WORDS[int(rng.integers(len(_WORDS)))]
        cv2.putText(
            image,
            word,
            org,
            cv2.FONT_HERSHEY_SIMPLEX,
            float(rng.uniform(0.8, 3)),
            colour,
            int(rng.integers(1, 5)),
        )
    for _ in range(decoys):
        # Random bars: price-tag stripes, grilles, text rows seen edge-on.
        bars = (rng.random(int(rng.integers(30, 120))) < 0.5).astype(np.uint8) * 255
        w = int(rng.integers(120, width // 3))
        h = int(rng.integers(40, 200))
        stripe = cv2.resize(bars[None, :], (w, h), interpolation=cv2.INTER_NEAREST)
        x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
        image[y : y + h, x : x + w] = stripe[:, :, None]
    return image


def _place(image: Frame, code_img: Frame, p: Placement, rng: np.random.Generator) -> None:
    """Warp a label with the symbol onto ``image`` in place (rotation + perspective)."""
    height, width = image.shape[:2]
    scale = p.width_px / code_img.shape[1]
    # Render the symbol near its final size first (area filter: no aliasing), then warp.
    target = (
        max(8, round(code_img.shape[1] * scale * 2)),
        max(8, round(code_img.shape[0] * scale * 2)),
    )
    src = cv2.resize(code_img, target, interpolation=cv2.INTER_AREA)
    paper = int(rng.integers(200, 256))
    ink = int(rng.integers(0, 60))
    src = (ink + (src.astype(np.float32) / 255.0) * (paper - ink)).astype(np.uint8)
    pad = max(4, target[0] // 12)
    src = cv2.copyMakeBorder(src, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=paper)
    sh, sw = src.shape[:2]
    corners = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], dtype=np.float32)
    half = np.array([sw, sh], dtype=np.float32) / 4  # the label lands at half its src size
    cx, cy = p.center[0] * width, p.center[1] * height
    theta = math.radians(p.angle_deg)
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    unit = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float32)
    jitter = rng.uniform(-p.tilt, p.tilt, size=(4, 2)) * max(half)
    dst = (unit * half) @ rot.T + jitter + np.array([cx, cy])
    matrix = cv2.getPerspectiveTransform(corners, dst.astype(np.float32))
    warped = cv2.warpPerspective(src, matrix, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((sh, sw), 255, np.uint8), matrix, (width, height))
    tint = rng.uniform(0.85, 1.0, size=3)
    label = warped[:, :, None].astype(np.float32) * tint
    alpha = mask[:, :, None].astype(np.float32) / 255.0
    image[:] = (image * (1 - alpha) + label * alpha).astype(np.uint8)


def _disk(radius: float) -> Frame:
    size = 2 * math.ceil(radius) + 1
    kernel = np.zeros((size, size), np.float32)
    cv2.circle(kernel, (size // 2, size // 2), max(1, round(radius)), 1.0, -1, cv2.LINE_AA)
    return kernel / kernel.sum()  # type: ignore[no-any-return]


def _motion(length: float, angle_deg: float) -> Frame:
    size = 2 * math.ceil(length / 2) + 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    dx = math.cos(math.radians(angle_deg)) * length / 2
    dy = math.sin(math.radians(angle_deg)) * length / 2
    cv2.line(
        kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA
    )
    return kernel / kernel.sum()  # type: ignore[no-any-return]


def render(spec: FrameSpec) -> Frame:
    """The BGR frame ``spec`` describes. Deterministic: the same spec, the same pixels."""
    rng = np.random.default_rng(spec.seed)
    width, height = spec.size
    image = _background(rng, width, height, spec.decoys)
    for placement in spec.codes:
        _place(image, symbol_image(placement.code), placement, rng)
    out = image.astype(np.float32)
    if spec.defocus_px >= 0.7:
        out = np.asarray(cv2.filter2D(out, -1, _disk(spec.defocus_px)), np.float32)
    if spec.motion_px >= 1.5:
        out = np.asarray(
            cv2.filter2D(out, -1, _motion(spec.motion_px, spec.motion_deg)), np.float32
        )
    if spec.light_low < 0.99:
        gx, gy = rng.uniform(-1, 1, size=2)
        xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
        ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
        field = 0.5 + 0.5 * np.clip(gx * xs + gy * ys, -1, 1)
        vignette = 1 - 0.25 * (xs**2 + ys**2)
        light = spec.light_low + (1.15 - spec.light_low) * field * vignette
        out *= light[:, :, None]
    if spec.glare > 0.01:
        gx0, gy0 = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        if spec.codes and rng.random() < 0.6:  # glare likes the shiny label
            c = spec.codes[0].center
            gx0 = c[0] * width + rng.normal(0, 0.06) * width
            gy0 = c[1] * height + rng.normal(0, 0.06) * height
        sx, sy = rng.uniform(0.03, 0.12) * width, rng.uniform(0.03, 0.12) * height
        xs = (np.arange(width, dtype=np.float32)[None, :] - gx0) / sx
        ys = (np.arange(height, dtype=np.float32)[:, None] - gy0) / sy
        spot = np.exp(-0.5 * (xs**2 + ys**2)) * 255 * spec.glare * 1.6
        out += spot[:, :, None]
    if spec.noise_sigma > 0:
        out += rng.normal(0, spec.noise_sigma, size=out.shape).astype(np.float32)
    frame = np.clip(out, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, spec.jpeg_quality])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid uint8 image
        return frame
    return np.asarray(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), np.uint8)


def random_spec(rng: random.Random, codes: Sequence[Code], size: tuple[int, int]) -> FrameSpec:
    """A frame as a handheld pack at a kiosk camera looks: mostly fair, sometimes bad.

    Each distortion is drawn on its own, so hard frames are hard in different ways."""
    width, _height = size
    placements: list[Placement] = []
    slots = [(0.3, 0.5), (0.7, 0.5)] if len(codes) > 1 else [(0.5, 0.5)]
    for code, (sx, sy) in zip(codes, slots, strict=False):
        quiet = 1.25 if code.format != "QR" else 1.3
        modules = {"EAN13": 95, "UPCA": 95, "EAN8": 67}.get(code.format, 33) * quiet
        # Module size in pixels: 0.9 (a small code far away) .. 5 (held close).
        module_px = max(1.0, rng.lognormvariate(math.log(2.4 if width < 1500 else 3.2), 0.4))
        width_px = min(modules * module_px, width * 0.42)
        placements.append(
            Placement(
                code=code,
                center=(sx + rng.uniform(-0.15, 0.15), sy + rng.uniform(-0.2, 0.2)),
                width_px=width_px,
                angle_deg=rng.gauss(0, 15) if rng.random() < 0.9 else rng.uniform(-180, 180),
                tilt=min(0.3, abs(rng.gauss(0, 0.07))),
            )
        )
    scale = width / 1280
    return FrameSpec(
        seed=rng.randrange(2**31),
        size=size,
        codes=tuple(placements),
        defocus_px=scale * (abs(rng.gauss(0, 1.0)) if rng.random() < 0.6 else 0.0),
        motion_px=scale * (abs(rng.gauss(0, 2.5)) if rng.random() < 0.4 else 0.0),
        motion_deg=rng.uniform(0, 180),
        light_low=rng.uniform(0.25, 1.0) if rng.random() < 0.6 else 1.0,
        glare=rng.uniform(0.2, 0.8) if rng.random() < 0.3 else 0.0,
        noise_sigma=abs(rng.gauss(0, 7)),
        jpeg_quality=rng.randrange(35, 95),
        decoys=rng.randrange(0, 4),
    )


class SimulatedCamera:
    """The :class:`edge.ports.Camera` port over a rendered scenario at ``fps``.

    ``read()`` returns the frame due now (frames skipped when the reader is slow, like a
    real camera's ring buffer) or None between frames; after the last frame, None forever.
    A spec repeated in the scenario (a pack held still) is rendered once. With
    ``paused=True`` the scenario starts at :meth:`play`.
    """

    def __init__(
        self,
        specs: Sequence[FrameSpec],
        fps: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        loop: bool = False,
        paused: bool = False,
        prerender: bool = False,
    ) -> None:
        self._specs = list(specs)
        self._period = 1.0 / fps
        self._clock = clock
        self._loop = loop
        self._paused = paused
        self._start: float | None = None
        self._last_index = -1
        self._rendered: dict[FrameSpec, Frame] = {}
        if prerender:
            for spec in self._specs:
                self._frame(spec)
        self.closed = False

    def _frame(self, spec: FrameSpec) -> Frame:
        frame = self._rendered.get(spec)
        if frame is None:
            frame = self._rendered[spec] = render(spec)
        return frame

    def play(self) -> None:
        """Start the scenario now (for a camera made with ``paused=True``)."""
        self._paused = False
        self._start = self._clock()

    @property
    def finished(self) -> bool:
        return (
            self._start is not None
            and not self._loop
            and (self._clock() - self._start >= len(self._specs) * self._period)
        )

    def read(self) -> Frame | None:
        if self.closed or self._paused or not self._specs:
            return None
        now = self._clock()
        if self._start is None:
            self._start = now
        index = int((now - self._start) / self._period)
        if index == self._last_index:
            return None
        self._last_index = index
        if index >= len(self._specs):
            if not self._loop:
                return None
            index %= len(self._specs)
        return self._frame(self._specs[index])

    def close(self) -> None:
        self.closed = True
        self._rendered.clear()


class SimulatedWedgeScanner:
    """The :class:`edge.ports.CodeInput` port for a USB handheld scanner: codes pushed by a
    test or a simulated shopper come out of ``read_code`` in order."""

    def __init__(self, codes: Sequence[str] = ()) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        for code in codes:
            self._queue.put(code)
        self.closed = False

    def pull_trigger(self, code: str) -> None:
        """What a shopper does: aim at a pack and pull the trigger."""
        self._queue.put(code)

    def read_code(self, timeout_s: float) -> str | None:
        if self.closed:
            return None
        try:
            return self._queue.get(timeout=max(0.0, timeout_s))
        except queue.Empty:
            return None

    def close(self) -> None:
        self.closed = True
