"""Not features, by design: no face detector or recogniser anywhere in the source.

Walks every Python file of the project for OpenCV face APIs, Haar/LBP cascade
classifiers, dlib and face_recognition. The patterns are assembled at run time so this
file does not match itself.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("protocol", "edge", "hub", "firmware_configs", "simulators", "tests", "scripts")


def _pattern() -> re.Pattern[str]:
    words = [
        "Cascade" + "Classifier",
        "haar" + "cascade",
        "lbp" + "cascade",
        "Face" + "DetectorYN",
        "Face" + "RecognizerSF",
        r"cv2\.face\b",
        # The library, not the word: configs name it as a refused key, on purpose.
        r"\b(?:import|from)\s+" + "face_" + "recognition",
        "face_" + r"recognition\.\w+\(",
        r"\bimport\s+" + "dl" + "ib",
        r"\bfrom\s+" + "dl" + "ib",
        "get_frontal_" + "face_detector",
        "mtcnn",
        "deepface",
        "insightface",
        "face" + "_mesh",
    ]
    return re.compile("|".join(words), re.IGNORECASE)


def test_no_face_detection_or_recognition_in_the_source() -> None:
    pattern = _pattern()
    me = Path(__file__).resolve()
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.resolve() == me:
                continue
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def test_the_walk_would_catch_one(tmp_path: Path) -> None:
    planted = "det = cv2." + "Cascade" + "Classifier(cv2.data." + "haar" + "cascades)"
    assert _pattern().search(planted)
    assert _pattern().search("import " + "dl" + "ib")
    assert _pattern().search("from " + "face_" + "recognition import face_locations")
    assert not _pattern().search('"face_' + 'recognition": _FACES,')  # a refused config key
    assert not _pattern().search("from edge.scan.decoder import decode")
