"""The broker ACL made from the store's devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.fleet.acl import render_acl, write_acl_file
from hub.fleet.errors import FleetError


def _blocks(text: str) -> dict[str, set[str]]:
    blocks: dict[str, set[str]] = {}
    user = ""
    for line in text.splitlines():
        if line.startswith("user "):
            user = line.split(" ", 1)[1]
            blocks[user] = set()
        elif line.startswith("topic "):
            blocks[user].add(line)
    return blocks


def test_each_device_gets_only_its_own_topics() -> None:
    blocks = _blocks(render_acl("demo", ["kiosk-1", "gw-1"]))
    assert set(blocks) == {"hub", "hub.consent", "kiosk-1", "gw-1"}
    assert blocks["kiosk-1"] == {
        "topic write instore/v1/demo/kiosk-1/evt",
        "topic write instore/v1/demo/kiosk-1/state",
        "topic write instore/v1/demo/kiosk-1/hb",
        "topic write instore/v1/demo/kiosk-1/cmdack",
        "topic read instore/v1/demo/kiosk-1/ack",
        "topic read instore/v1/demo/kiosk-1/cmd",
        "topic read instore/v1/demo/roster",
        "topic read instore/v1/demo/hub/state",
        # Receivers are compared across gateways: own sightings out, everyone's in.
        "topic write instore/v1/demo/kiosk-1/seen",
        "topic read instore/v1/demo/+/seen",
    }


def test_only_the_hub_writes_store_wide_and_downlink_topics() -> None:
    blocks = _blocks(render_acl("demo", ["kiosk-1", "gw-1"], readers=["monitor"]))
    writes = {
        user: {r.split()[-1] for r in rules if " write " in r} for user, rules in blocks.items()
    }
    assert writes["hub"] == {
        "instore/v1/demo/hub/state",
        "instore/v1/demo/roster",
        "instore/v1/demo/+/ack",
        "instore/v1/demo/+/cmd",
    }
    # The hub's second login sends purges and rosters, and reads nothing.
    assert blocks["hub.consent"] == {
        "topic write instore/v1/demo/+/cmd",
        "topic write instore/v1/demo/roster",
    }
    for user in ("kiosk-1", "gw-1", "monitor"):
        assert not any(t.endswith(("/ack", "/cmd", "/roster", "hub/state")) for t in writes[user])
    assert blocks["monitor"] == {"topic read instore/v1/demo/#"}


def test_written_file_is_sorted_and_private(tmp_path: Path) -> None:
    path = tmp_path / "acl"
    write_acl_file(path, "demo", ["kiosk-2", "kiosk-1", "kiosk-1"])
    text = path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    users = [line for line in text.splitlines() if line.startswith("user ")]
    assert users == ["user hub", "user hub.consent", "user kiosk-1", "user kiosk-2"]


@pytest.mark.parametrize(
    ("store", "devices", "message"),
    [
        ("demo", ["hub"], "hub"),
        ("demo", ["Kiosk 1"], "device id"),
        ("demo", ["a/b"], "device id"),
        ("De mo", ["kiosk-1"], "store id"),
    ],
)
def test_bad_ids_are_refused(store: str, devices: list[str], message: str) -> None:
    with pytest.raises(FleetError, match=message):
        render_acl(store, devices)
