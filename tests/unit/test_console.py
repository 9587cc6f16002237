"""The command-line frame: errors are one line and an exit status; a package the
installed role lacks is named with the install that brings it."""

from __future__ import annotations

import argparse

import pytest

from console import UsageError, dispatch
from domain.errors import InstoreError


def parser_raising(exc: BaseException) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="instore-test")

    def handler(args: argparse.Namespace) -> int:
        raise exc

    parser.set_defaults(handler=handler)
    return parser


def test_a_missing_role_package_names_the_install(capsys: pytest.CaptureFixture[str]) -> None:
    missing = ModuleNotFoundError("No module named 'cv2'", name="cv2")
    assert dispatch(parser_raising(missing), []) == 2
    err = capsys.readouterr().err
    assert "needs cv2" in err
    assert "pip install 'instore[kiosk]'" in err


def test_any_other_missing_module_is_a_bug_and_shows_as_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ModuleNotFoundError):
        dispatch(parser_raising(ModuleNotFoundError("x", name="not_ours")), [])


def test_our_errors_are_one_line_with_their_exit_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert dispatch(parser_raising(UsageError("give --catalog")), []) == 2
    assert dispatch(parser_raising(InstoreError("the hub is down")), []) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["instore-test: give --catalog", "instore-test: the hub is down"]
