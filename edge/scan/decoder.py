"""Decoders: zxing-cpp alone, OpenCV alone, and the kiosk's combined decoder.

The combined decoder reads what a kiosk camera sees better than either library:

1. zxing-cpp on the whole grey frame (it is the better reader of upright codes);
2. OpenCV's barcode detector, which localises linear codes at any angle, on a
   half-size frame; each region zxing-cpp did not already read is cut out, turned
   upright and read again by zxing-cpp (plain, then sharpened, then binarised), then by
   OpenCV's own decoder;
3. OpenCV's QR detector on a half-size frame when no QR was read; the region is
   rectified and read by zxing-cpp.

(A last zxing-cpp pass over a contrast-equalised frame was tried and dropped: it added
no code on a 300-frame corpus and cost most on frames without any code.)

Every read goes through :func:`domain.catalog.symbols.normalise`, so a retail code with a
wrong check digit is dropped. Decoders only read frames; they never store or send them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Protocol

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp

from domain.catalog.symbols import Code, normalise
from edge.ports import Frame

# The formats a shop's products and the project's QR codes use (the proof commands).
# Reading only these keeps zxing-cpp from guessing exotic symbologies out of clutter.
ZXING_FORMATS: Final = zxingcpp.barcode_formats_from_str(
    "EAN13,EAN8,UPCA,UPCE,Code128,Code39,QRCode,DataMatrix,ITF"
)
_LINEAR: Final = zxingcpp.barcode_formats_from_str("EAN13,EAN8,UPCA,UPCE,Code128,Code39,ITF")
_QR: Final = zxingcpp.barcode_formats_from_str("QRCode")
# OpenCV's detectors are run at half size: they only localise there, and at 1080p the
# full-size QR detector costs 3-4x the zxing-cpp read it is meant to help.
_LOCATE_SCALE: Final = 0.5
# Quiet-zone margin added along a linear code's bars when cutting it out (10 modules of
# 95 ~ 11 %; OpenCV's box often clips the guard bars, so a little more).
_MARGIN_ALONG: Final = 0.18
_MARGIN_ACROSS: Final = 0.08
_MARGIN_ALONG_WIDE: Final = 1.0
# A cut-out shorter than this is enlarged: zxing-cpp needs ~2 px a module to find edges.
_MIN_CROP_PX: Final = 360
_MAX_CROP_PX: Final = 1100
# Shrunk variant: ~2.5 px a module for a 95-module code; blur shrinks with it.
_SHRUNK_PX: Final = 260
# Regions read per frame, largest first: a cluttered shelf can give OpenCV dozens of
# bar-like boxes, and a shopper holds up one or two packs.
_MAX_REGIONS: Final = 4
# Half the height of the box around a line zxing-cpp read along, as a share of its length
# (a linear code is ~0.3x as tall as wide; stay inside the bars).
_BAND_HALF_HEIGHT: Final = 0.12
# OpenCV's barcode localiser shrinks frames to 512 px before looking, and looks with
# windows of 1-8 % of the frame: a small pack held at arm's length (~1 px a module at
# 720p) vanishes. 800 px and a 0.5 % window find most of those for ~10 ms more.
_LOCATE_MAX_SIDE: Final = 800
_LOCATE_WINDOWS: Final = [0.005, 0.01, 0.03, 0.06, 0.08]
_CLAHE: Final = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))

Quad = npt.NDArray[np.float32]  # 4x2 corner points in frame pixels


@dataclass(frozen=True, slots=True)
class Read:
    """One code found in a frame, with where it was found."""

    code: Code
    center: tuple[float, float]


class Decoder(Protocol):
    """Reads codes from one grey frame."""

    name: str

    def decode(self, gray: Frame) -> list[Read]: ...


def to_gray(frame: Frame) -> Frame:
    """The frame as one grey channel (decoders work on luminance only)."""
    if frame.ndim == 2:
        return frame
    return np.asarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), np.uint8)


def _u8(image: object) -> Frame:
    """OpenCV's result as the uint8 frame it is (its stubs type results loosely)."""
    return np.asarray(image, dtype=np.uint8)


def _quad(result: zxingcpp.Barcode) -> Quad:
    pos = result.position
    corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
    return np.array([[p.x, p.y] for p in corners], dtype=np.float32)


def _zxing_located(
    gray: Frame,
    formats: zxingcpp.BarcodeFormats = ZXING_FORMATS,
    try_downscale: bool = True,
    try_rotate: bool = True,
    try_invert: bool = True,
) -> list[tuple[Code, Quad]]:
    found = []
    for result in zxingcpp.read_barcodes(
        gray,
        formats=formats,
        try_downscale=try_downscale,
        try_rotate=try_rotate,
        try_invert=try_invert,
    ):
        code = normalise(result.format.name, result.text)
        if code is not None:
            found.append((code, _quad(result)))
    return found


def _read_at(code: Code, quad: Quad) -> Read:
    return Read(code, (float(quad[:, 0].mean()), float(quad[:, 1].mean())))


def _zxing(gray: Frame, try_downscale: bool = True) -> list[Read]:
    return [_read_at(c, q) for c, q in _zxing_located(gray, try_downscale=try_downscale)]


def _opencv_barcodes(detector: cv2.barcode.BarcodeDetector, gray: Frame) -> list[Read]:
    _ok, texts, kinds, points = detector.detectAndDecodeWithType(gray)
    reads = []
    if points is None:
        return reads
    for text, kind, quad in zip(texts, kinds, points, strict=False):
        code = normalise(kind, text) if text else None
        if code is not None:
            center = quad.mean(axis=0)
            reads.append(Read(code, (float(center[0]), float(center[1]))))
    return reads


def _opencv_qr(detector: cv2.QRCodeDetector, gray: Frame) -> list[Read]:
    text, points, _ = detector.detectAndDecode(gray)
    if not text or points is None:
        return []
    code = normalise("QR", text)
    if code is None:
        return []
    center = points.reshape(-1, 2).mean(axis=0)
    return [Read(code, (float(center[0]), float(center[1])))]


class ZxingDecoder:
    """zxing-cpp alone, with its own defaults (rotation, downscale and inversion on)."""

    name = "zxing_cpp"

    def decode(self, gray: Frame) -> list[Read]:
        return _zxing(gray)


class OpencvDecoder:
    """OpenCV alone: its barcode detector and its QR detector on the full frame."""

    name = "opencv"

    def __init__(self) -> None:
        self._barcodes = cv2.barcode.BarcodeDetector()
        self._qr = cv2.QRCodeDetector()

    def decode(self, gray: Frame) -> list[Read]:
        return _opencv_barcodes(self._barcodes, gray) + _opencv_qr(self._qr, gray)


def _rectify(gray: Frame, quad: Quad, along: float, across: float) -> Frame:
    """Cut the region ``quad`` out of ``gray``, upright (long side horizontal), with margins
    and enlarged or shrunk so its long side is between the crop limits."""
    rect = cv2.minAreaRect(quad.astype(np.float32))
    (cx, cy), (w, h), angle = rect
    if w < h:
        w, h, angle = h, w, angle + 90.0
    w *= 1 + 2 * along
    h *= 1 + 2 * across
    scale = 1.0
    if w < _MIN_CROP_PX:
        scale = _MIN_CROP_PX / max(w, 1.0)
    elif w > _MAX_CROP_PX:
        scale = _MAX_CROP_PX / w
    out_w, out_h = max(8, round(w * scale)), max(8, round(h * scale))
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    matrix[0, 2] += out_w / 2 - cx
    matrix[1, 2] += out_h / 2 - cy
    return _u8(
        cv2.warpAffine(
            gray, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
        )
    )


def _variants(crop: Frame) -> Iterable[Frame]:
    """The cut-out as read; sharpened (defocus); shrunk so blur spans fewer pixels
    (motion blur on a large code); locally equalised (glare, uneven light)."""
    yield crop
    blurred = cv2.GaussianBlur(crop, (0, 0), 2.0)
    yield _u8(cv2.addWeighted(crop, 2.0, blurred, -1.0, 0))
    if crop.shape[1] > _SHRUNK_PX * 1.4:
        factor = _SHRUNK_PX / crop.shape[1]
        yield _u8(cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA))
    yield _u8(_CLAHE.apply(crop))


def _near(center: tuple[float, float], reads: Iterable[Read], radius: float) -> bool:
    return any(
        (r.center[0] - center[0]) ** 2 + (r.center[1] - center[1]) ** 2 < radius**2 for r in reads
    )


def _band(quad: Quad) -> Quad:
    """zxing-cpp places a linear code as the line it read along; widen it to a box."""
    if float(np.linalg.norm(quad[0] - quad[3])) >= 5:
        return quad
    along = quad[1] - quad[0]
    normal = np.array([-along[1], along[0]], dtype=np.float32) * _BAND_HALF_HEIGHT
    return np.array([quad[0] + normal, quad[1] + normal, quad[1] - normal, quad[0] - normal],
                    dtype=np.float32)  # fmt: skip


def _read_crop(crop: Frame, binarizer: zxingcpp.Binarizer) -> set[Code]:
    codes = set()
    for result in zxingcpp.read_barcodes(crop, formats=_LINEAR, try_rotate=False,
                                         try_downscale=False, binarizer=binarizer):  # fmt: skip
        code = normalise(result.format.name, result.text)
        if code is not None:
            codes.add(code)
    return codes


def _contradicted(gray: Frame, code: Code, quad: Quad, along: float = _MARGIN_ALONG) -> bool:
    """True when reading the code's region again, another way (upright, other binariser,
    each variant), gives a different valid code: then neither read is trusted.

    A check digit catches one wrong digit, but a blurred EAN-13 can be misread in two
    digits and still pass; a second, independent read disagreeing exposes that."""
    crop = _rectify(gray, _band(quad), along, _MARGIN_ACROSS)
    for variant in _variants(crop):
        if _read_crop(variant, zxingcpp.Binarizer.GlobalHistogram) - {code}:
            return True
    return False


class CombinedDecoder:
    """The kiosk's decoder: zxing-cpp, guided by OpenCV's localisers (module docstring)."""

    name = "combined"

    def __init__(self, first_hit: bool = False) -> None:
        # first_hit: stop at the first step that read something (the kiosk's live mode:
        # one code on screen sooner beats every code of this frame; the next frame,
        # 33 ms later, gets the full search).
        self.first_hit = first_hit
        self._barcodes = cv2.barcode.BarcodeDetector()
        self._barcodes.setDownsamplingThreshold(_LOCATE_MAX_SIDE)
        self._barcodes.setDetectorScales(_LOCATE_WINDOWS)
        self._qr = cv2.QRCodeDetector()

    def decode(self, gray: Frame) -> list[Read]:
        # Upright and inverted passes are left to step 2, which finds codes at any angle
        # for less than zxing-cpp's own rotation passes cost.
        found = _zxing_located(gray, try_rotate=False, try_invert=False)
        reads = [
            _read_at(code, quad)
            for code, quad in found
            if code.format == "QR" or not _contradicted(gray, code, quad)
        ]
        if reads and self.first_hit:
            return _unique(reads)
        reads += self._linear_regions(gray, reads)
        small = _u8(
            cv2.resize(gray, None, fx=_LOCATE_SCALE, fy=_LOCATE_SCALE, interpolation=cv2.INTER_AREA)
        )
        if not any(r.code.format == "QR" for r in reads):
            reads += self._qr_region(gray, small)
        return _unique(reads)

    def _linear_regions(self, gray: Frame, found: list[Read]) -> list[Read]:
        ok, points = self._barcodes.detect(gray)
        if not ok or points is None:
            return []
        quads = sorted((q.astype(np.float32) for q in points), key=lambda q: -cv2.contourArea(q))[
            :_MAX_REGIONS
        ]
        reads: list[Read] = []
        for quad in quads:
            center = (float(quad[:, 0].mean()), float(quad[:, 1].mean()))
            size = float(np.linalg.norm(quad[0] - quad[2]))
            if _near(center, found + reads, size / 2):
                continue
            read = self._read_region(gray, quad, center)
            if read is not None:
                reads.append(read)
        return reads

    def _read_region(self, gray: Frame, quad: Quad, center: tuple[float, float]) -> Read | None:
        # OpenCV's box often covers only part of the bars: if the snug cut-out gives
        # nothing, a cut-out twice as long is tried before giving up.
        for along in (_MARGIN_ALONG, _MARGIN_ALONG_WIDE):
            crop = _rectify(gray, quad, along, _MARGIN_ACROSS)
            for variant in _variants(crop):
                codes = _read_crop(variant, zxingcpp.Binarizer.LocalAverage)
                if len(codes) == 1:
                    code = codes.pop()
                    if _contradicted(gray, code, quad, along):
                        return None
                    return Read(code, center)
        # OpenCV's own decoder is not asked: on our corpora every read it added here
        # that zxing-cpp had missed was a false one.
        return None

    def _qr_region(self, gray: Frame, small: Frame) -> list[Read]:
        ok, points = self._qr.detect(small)
        if not ok or points is None:
            return []
        quad = (points.reshape(4, 2) / _LOCATE_SCALE).astype(np.float32)
        center = (float(quad[:, 0].mean()), float(quad[:, 1].mean()))
        side = float(np.linalg.norm(quad[0] - quad[1]))
        x0, y0 = np.maximum(quad.min(axis=0) - side * 0.25, 0).astype(int)
        x1, y1 = (quad.max(axis=0) + side * 0.25).astype(int)
        crop = np.ascontiguousarray(gray[y0:y1, x0:x1])
        if crop.size == 0:
            return []
        if crop.shape[1] < _MIN_CROP_PX:
            factor = _MIN_CROP_PX / crop.shape[1]
            crop = _u8(cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC))
        for variant in _variants(crop):
            for result in zxingcpp.read_barcodes(variant, formats=_QR, try_downscale=False):
                code = normalise(result.format.name, result.text)
                if code is not None:
                    return [Read(code, center)]
        return []


def _unique(reads: list[Read]) -> list[Read]:
    seen: set[Code] = set()
    out = []
    for read in reads:
        if read.code not in seen:
            seen.add(read.code)
            out.append(read)
    return out


def make_decoder(name: str) -> Decoder:
    """A decoder by name: ``combined`` (every code in the frame), ``live`` (the combined
    decoder stopping at its first read: the kiosk's camera loop), ``zxing_cpp``, ``opencv``."""
    decoders: dict[str, Callable[[], Decoder]] = {
        "combined": CombinedDecoder,
        "live": lambda: CombinedDecoder(first_hit=True),
        "zxing_cpp": ZxingDecoder,
        "opencv": OpencvDecoder,
    }
    if name not in decoders:
        raise ValueError(f"unknown decoder {name!r}; choose one of {sorted(decoders)}")
    return decoders[name]()
