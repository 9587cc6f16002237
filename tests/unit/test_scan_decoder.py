"""The decoders on simulated camera frames, and ``instore-edge scan decode --json``."""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import orjson
import pytest

from domain.catalog.symbols import Code
from edge.cli import main as edge_main
from edge.scan.decoder import make_decoder, to_gray
from simulators.camera import RESOLUTIONS, FrameSpec, Placement, random_spec, render

EAN = Code("EAN13", "4006381333931")
UPCA = Code("UPCA", "036000291452")
LINK = Code("QR", "https://id.gs1.org/01/09506000134352")


def _spec(code: Code, angle: float, size: tuple[int, int] = (1280, 720)) -> FrameSpec:
    return FrameSpec(
        seed=11, size=size, codes=(Placement(code, (0.5, 0.5), 380, angle, 0.04),),
        defocus_px=0.8, motion_px=0, motion_deg=0, light_low=0.7, glare=0,
        noise_sigma=4, jpeg_quality=70, decoys=2,
    )  # fmt: skip


def test_combined_reads_a_tilted_code_that_zxing_alone_misses() -> None:
    gray = to_gray(render(_spec(EAN, 35.0)))
    assert EAN not in {r.code for r in make_decoder("zxing_cpp").decode(gray)}
    assert EAN in {r.code for r in make_decoder("combined").decode(gray)}


def test_upca_is_reported_as_12_digits_and_digital_link_qr_is_read() -> None:
    combined = make_decoder("combined")
    assert [r.code for r in combined.decode(to_gray(render(_spec(UPCA, 3.0))))] == [UPCA]
    qr_frame = to_gray(render(_spec(LINK, 10.0, (1920, 1080))))
    assert [r.code for r in combined.decode(qr_frame)] == [LINK]


def test_no_code_is_invented_in_frames_without_one() -> None:
    rng = random.Random(5)  # noqa: S311 - a seeded scene, not a secret
    combined = make_decoder("combined")
    for i in range(6):
        spec = random_spec(rng, [], RESOLUTIONS[i % 2])
        assert combined.decode(to_gray(render(spec))) == []


def test_unknown_decoder_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown decoder"):
        make_decoder("magic")


def test_cli_prints_one_json_line_per_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The user's own image files (the kiosk itself never writes a frame).
    good = tmp_path / "pack.png"
    cv2.imwrite(str(good), render(_spec(UPCA, 0.0)))
    empty = tmp_path / "shelf.png"
    shelf = random_spec(random.Random(1), [], (1280, 720))  # noqa: S311 - a seeded scene
    cv2.imwrite(str(empty), render(shelf))
    assert edge_main(["scan", "decode", str(good), str(empty), "--json"]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(good), str(empty)]
    assert lines[0]["codes"] == [{"format": "UPCA", "text": "036000291452"}]
    assert lines[1]["codes"] == []
    assert all(isinstance(line["ms"], float) for line in lines)


def test_cli_says_one_sentence_for_a_bad_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    assert edge_main(["scan", "decode", str(bad), "--json"]) == 2
    err = capsys.readouterr().err
    assert "is not an image" in err
    assert "Traceback" not in err
    assert edge_main(["scan", "decode", str(tmp_path / "missing.png")]) == 2
