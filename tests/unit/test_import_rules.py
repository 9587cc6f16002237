"""The dependency rules are checked by ``make lint`` (import-linter, contracts in
pyproject.toml): here a forbidden import is planted in a copy of the project, and the
check must fail on it and name the rule; the project as it is keeps every rule."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("protocol", "domain", "console", "firmware_configs", "edge", "hub", "simulators")
LINT = str(Path(sys.executable).with_name("lint-imports"))

# (module to plant, its import, the contract that must break)
PLANTS = [
    ("hub/planted.py", "from edge.agent import EdgeAgent", "peers"),
    ("edge/planted.py", "import hub.storage", "peers"),
    ("protocol/planted.py", "from domain.errors import InstoreError", "protocol"),
    ("edge/scan/planted.py", "from edge.backends.opencv_camera import OpenCvCamera", "backends"),
    (
        "domain/recs/planted.py",
        "from domain.backends.onnx_model import OnnxModelRunner",
        "backends",
    ),
    ("hub/consent/planted.py", "import simulators.broker", "product"),
    ("domain/planted.py", "import firmware_configs.schemas", "layers"),
]


def lint(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    only = [arg for c in contracts for arg in ("--contract", c)]
    return subprocess.run(
        [LINT, "--no-cache", *only, str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_project_keeps_every_rule(copy: Path) -> None:
    done = lint(copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("where", "line", "rule"), PLANTS)
def test_a_planted_forbidden_import_breaks_its_rule(
    copy: Path, where: str, line: str, rule: str
) -> None:
    planted = copy / where
    planted.write_text(f'"""Planted by a test."""\n\n{line}\n')
    try:
        alone, everything = lint(copy, rule), lint(copy)
    finally:
        planted.unlink()
    assert alone.returncode != 0, alone.stdout  # that rule, checked alone, breaks
    assert "1 broken" in alone.stdout
    assert everything.returncode != 0  # and so does `make lint`
    assert planted.with_suffix("").relative_to(copy).as_posix().replace("/", ".") in alone.stdout


def test_every_module_of_domain_and_edge_is_a_core_a_backend_or_a_command_line() -> None:
    import tomllib  # noqa: PLC0415

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    cores = next(c for c in config["contracts"] if c["id"] == "backends")["source_modules"]
    for package in ("domain", "edge"):
        for child in sorted((ROOT / package).iterdir()):
            name = child.stem
            if name.startswith(("_", ".")) or not (child.suffix == ".py" or child.is_dir()):
                continue
            if child.is_dir() and not (child / "__init__.py").exists():
                continue  # templates, static files
            module = f"{package}.{name}"
            assert module in cores or name in ("backends", "cli"), (
                f"{module}: add it to the cores of the 'backends' contract in pyproject.toml"
            )


def test_every_folder_of_python_modules_is_a_package() -> None:
    """A folder without ``__init__.py`` is a namespace package: the rules do not see it
    and the wheel leaves it out."""
    for name in PACKAGES:
        for folder in (ROOT / name).rglob("*"):
            if folder.is_dir() and any(folder.glob("*.py")) and "__pycache__" not in folder.parts:
                assert (folder / "__init__.py").exists(), (
                    f"{folder.relative_to(ROOT)}: no __init__.py"
                )
