"""``instore-sim attack --json`` against a simulated store with its real security: every
probe runs, none succeeds. The probes themselves (their judges) are proved to see a
breach in tests/unit/test_attack_judges.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("broker.", "acl.", "forged.", "replayed.", "expired.", "stale.", "payload.",
         "web.path_traversal", "csrf.", "authz.", "web.header_walk", "throttle.")  # fmt: skip


@pytest.mark.timeout(600)
def test_no_attack_succeeds_on_a_store_with_its_real_security(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulators", "attack", "--json", "--keep", str(tmp_path / "s")],
        capture_output=True,
        cwd=ROOT,
        timeout=590,
        check=False,
    )
    result = orjson.loads(done.stdout)
    assert result["errors"] == 0, done.stderr.decode()[-3000:]
    assert result["succeeded"] == 0, done.stderr.decode()[-3000:]
    assert done.returncode == 0
    assert result["probes"] >= 30
    names = list(result["by_probe"])
    assert len(set(names)) == result["probes"]
    for kind in KINDS:
        assert any(n.startswith(kind) for n in names), kind
    assert all(r["succeeded"] is False for r in result["by_probe"].values())
