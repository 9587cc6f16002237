"""Install by role: the wheel is built once, each role is installed from it into a fresh
virtual environment with its own hashed lock file (requirements/ROLE.txt), and its
commands run there on real inputs. A gateway gets none of the web stack, the model
runtime or the tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from domain.catalog.symbols import Code
from simulators.ble_world import RadioModel, write_world
from simulators.camera import symbol_image
from simulators.venue import write_demo_venue

ROOT = Path(__file__).resolve().parents[2]
UV = str(Path(sys.executable).with_name("uv"))
NOT_ON_A_GATEWAY = ("matplotlib", "networkx", "opendp", "argon2-cffi", "onnxruntime", "fastapi")

pytestmark = pytest.mark.timeout(600)


def run(*args: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once from the files git tracks (in a copy: the checkout stays as
    it was), as a release would be."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in run("git", "-C", ROOT, "ls-files").splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    run(UV, "build", "--wheel", "--quiet", "--out-dir", out, source)
    (built,) = out.glob("instore-*.whl")
    return built


def install(role: str, wheel: Path, where: Path) -> Path:
    """A fresh venv with only ``role``'s locked packages and the wheel; its bin folder."""
    env = {**os.environ, "VIRTUAL_ENV": str(where)}
    run(UV, "venv", "--quiet", "--python", sys.executable, where)
    lock = ROOT / "requirements" / f"{role}.txt"
    run(UV, "pip", "install", "--quiet", "--require-hashes", "-r", lock, env=env)
    run(UV, "pip", "install", "--quiet", "--no-deps", wheel, env=env)
    return where / "bin"


def installed(bin_dir: Path) -> set[str]:
    env = {**os.environ, "VIRTUAL_ENV": str(bin_dir.parent)}
    listing = run(UV, "pip", "list", "--format", "freeze", env=env)
    return {line.split("==")[0].lower() for line in listing.splitlines() if "==" in line}


@pytest.fixture
def venv(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "venv"
    shutil.rmtree(tmp_path / "venv", ignore_errors=True)


def test_a_gateway_replays_a_trace_and_carries_nothing_else(
    wheel: Path, venv: Path, tmp_path: Path
) -> None:
    bin_dir = install("gateway", wheel, venv)
    assert not installed(bin_dir).intersection(NOT_ON_A_GATEWAY)
    assert "identity" in run(bin_dir / "instore-edge", "run", "--help")
    trace, truth = tmp_path / "walk.trace", tmp_path / "walk.truth"
    write_world(
        trace, truth, radio=RadioModel(), walks=1, shoppers=0, minutes=0.0, hz=4.0,
        corner_gateways=False, seed=3,
    )  # fmt: skip
    changes = run(bin_dir / "instore-edge", "ble", "replay", trace, "--json")
    assert changes.count('"zone"') > 3
    missing = subprocess.run(
        [bin_dir / "instore-edge", "scan", "decode", trace],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2  # a kiosk's command, said so in a sentence
    assert "pip install 'instore[kiosk]'" in missing.stderr


def test_a_kiosk_decodes_a_photo_and_routes_on_the_map(
    wheel: Path, venv: Path, tmp_path: Path
) -> None:
    bin_dir = install("kiosk", wheel, venv)
    image = tmp_path / "pack.png"
    cv2.imwrite(str(image), symbol_image(Code("EAN13", "4006381333931")))
    decoded = run(bin_dir / "instore-edge", "scan", "decode", image, "--json")
    assert '"text":"4006381333931"' in decoded.replace(" ", "")
    demo = write_demo_venue(tmp_path / "venue")
    route = run(
        bin_dir / "instore-edge", "map", "route", "--map", demo.imdf,
        "--from", demo.entrance_kiosk, "--to", demo.toilets, "--json",
    )  # fmt: skip
    assert '"length_m"' in route
    assert "matplotlib" not in installed(bin_dir)


def test_a_hub_is_made_enrols_a_device_and_builds_its_web_app(
    wheel: Path, venv: Path, tmp_path: Path
) -> None:
    bin_dir = install("hub", wheel, venv)
    data = tmp_path / "hub"
    run(bin_dir / "instore-hub", "init", "--data", data, "--store", "store-1")
    run(bin_dir / "instore-hub", "device", "add", "kiosk-1", "--kind", "kiosk", "--data", data)
    out = tmp_path / "api"
    run(bin_dir / "instore-hub", "api-docs", "--out", out)
    assert (out / "openapi.json").stat().st_size > 10_000
    assert "bleak" not in installed(bin_dir)


def test_the_tools_run_the_simulators(wheel: Path, venv: Path, tmp_path: Path) -> None:
    bin_dir = install("tools", wheel, venv)
    run(bin_dir / "instore-sim", "venue", tmp_path / "venue")
    assert "ok" in run(
        bin_dir / "instore-config", "validate", ROOT / "firmware_configs" / "examples"
    )
