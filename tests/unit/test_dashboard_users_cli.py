"""``instore-hub user add``: the first admin, never with a default password."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hub.cli import main
from hub.dashboard import auth
from hub.dashboard.schema import open_writer
from hub.settings import HubHome, HubSettings


@pytest.fixture
def data(tmp_path: Path) -> Path:
    HubHome(tmp_path).init(HubSettings(store="demo"))
    return tmp_path


def test_add_reads_the_password_from_stdin(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    argv = ["user", "add", "root", "--role", "admin", "--data", str(data), "--password-stdin"]
    assert main(argv) == 0
    db = open_writer(data / "hub.db")
    assert auth.authenticate(db, "root", "a long enough secret") is not None
    db.close()
    assert "secret" not in capsys.readouterr().out


def test_generated_password_is_printed_once_and_works(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["user", "add", "pia", "--role", "privacy_officer", "--data", str(data), "--generate"])
        == 0
    )
    out = capsys.readouterr().out
    password = out.split("password (shown once): ", 1)[1].strip()
    db = open_writer(data / "hub.db")
    assert auth.authenticate(db, "pia", password) is not None
    db.close()


def test_without_a_terminal_or_a_flag_there_is_no_password(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["user", "add", "root", "--role", "admin", "--data", str(data)]) == 1
    assert "--password-stdin or --generate" in capsys.readouterr().err


def test_weak_password_is_refused_in_one_sentence(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    argv = ["user", "add", "root", "--role", "admin", "--data", str(data), "--password-stdin"]
    assert main(argv) == 1
    assert "at least 12 characters" in capsys.readouterr().err
