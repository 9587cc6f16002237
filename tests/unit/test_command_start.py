"""A command costs only what it uses: building any ``instore-*`` parser and printing the
help of every subcommand loads none of the heavy libraries (the web stack, numpy, the
wire models, OpenCV, onnxruntime...). ``instore-sim bench footprint`` times the same
commands from real processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "argon2", "bleak", "cryptography", "cv2", "fastapi", "httpx", "jinja2", "matplotlib",
    "networkx", "numpy", "onnxruntime", "opendp", "paho", "pydantic", "scipy", "shapely",
    "starlette", "uvicorn", "yaml", "zxingcpp",
)  # fmt: skip

PROBE = """
import argparse, sys
from console import build_parser
from {package}.cli import _COMMAND_MODULES
parser = build_parser("p", "d", _COMMAND_MODULES)

def walk(p):
    p.format_help()
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                walk(child)

walk(parser)
print(" ".join(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


@pytest.mark.parametrize("package", ["edge", "hub", "simulators", "firmware_configs"])
def test_help_of_every_subcommand_loads_no_heavy_library(package: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = set(done.stdout.split())
    assert "console" in loaded  # the probe ran
    assert sorted(loaded.intersection(HEAVY)) == []
