"""`instore-hub ledger verify`, `backup`, `restore` and `privacy ...` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from hub.cli import main
from hub.consent.registry import ConsentRegistry
from hub.settings import HubHome
from protocol.purposes import Purpose

SUBJECT = "ps_" + "c" * 22


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "hub"
    assert main(["init", "--data", str(path), "--store", "demo"]) == 0
    registry = ConsentRegistry(HubHome(path))
    registry.confirm_age(SUBJECT, 1990, 2026)
    registry.set_consent(SUBJECT, Purpose.ANALYTICS, True)
    registry.set_consent(SUBJECT, Purpose.ANALYTICS, False)
    registry.close()
    return path


def test_ledger_verify_passes_then_catches_tampering(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ledger", "verify", "--data", str(data)]) == 0
    assert "consent_ledger: 2 entries, ok" in capsys.readouterr().out
    registry = ConsentRegistry(HubHome(data))
    registry.db.execute("UPDATE consent_ledger SET at = at + 1, body = body || ' ' WHERE n = 1")
    registry.close()
    assert main(["ledger", "verify", "--data", str(data), "--json"]) == 1
    reports = orjson.loads(capsys.readouterr().out)
    assert reports[0]["ok"] is False
    assert reports[0]["first_bad"] == 1


def test_backup_and_restore(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "its key store expires" in out
    folder = next((data / "backups").iterdir())
    assert main(["restore", str(folder), "--data", str(data)]) == 0
    assert "re-applied 0 erasures" in capsys.readouterr().out
    assert main(["ledger", "verify", "--data", str(data)]) == 0


def test_records_notice_and_retention(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["privacy", "records", "--data", str(data)]) == 0
    records = orjson.loads(capsys.readouterr().out)
    assert len(records["records_of_processing"]["activities"]) == 4
    assert records["data_map"]["privacy_declarations"]
    notice = tmp_path / "notice.html"
    assert main(["privacy", "notice", "--data", str(data), "--out", str(notice)]) == 0
    assert "<svg" in notice.read_text()
    capsys.readouterr()
    assert main(["privacy", "retention", "--data", str(data)]) == 0
    assert orjson.loads(capsys.readouterr().out) == dict.fromkeys(
        ("presence", "personal_recs", "pickup_offers", "analytics"), 0
    )


def test_a_directory_that_is_not_a_hub_is_refused_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing"
    assert main(["ledger", "verify", "--data", str(missing)]) == 1
    err = capsys.readouterr().err
    assert "is not a hub data directory" in err
    assert "Traceback" not in err
    assert not missing.exists()  # verifying made nothing
