"""The integrator documents, generated from the code: AsyncAPI for the MQTT interface
(topics from :mod:`protocol.topics`, payloads from :mod:`protocol.models`) and OpenAPI
for the hub's HTTP API. ``instore-hub api-docs --check`` fails when the committed copies
are stale, and the test suite runs it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Final

import orjson
from pydantic import BaseModel

from protocol.models import (
    SCHEMA_VERSION,
    Ack,
    Batch,
    Command,
    CommandAck,
    Heartbeat,
    Roster,
    Sightings,
    State,
)
from protocol.topics import PREFIX

# (channel, who publishes, QoS, retained, model, what it is)
_CHANNELS: Final[tuple[tuple[str, str, int, bool, type[BaseModel], str], ...]] = (
    ("{store}/{device}/evt", "device", 1, False, Batch,
     "A signed batch of events (signature: MQTT 5 user property `sig`, Ed25519 over the "
     "exact payload bytes). Personal data is sealed to the hub key."),
    ("{store}/{device}/ack", "hub", 1, False, Ack,
     "Sent after the hub's commit: every seq up to `through_seq` of `stream` is settled. "
     "Signed by the hub (user property `sig`: `KEY_ID:SIGNATURE`, one per hub key)."),
    ("{store}/{device}/state", "device", 1, True, State,
     "Birth (online true) and, as the MQTT will, online false."),
    ("{store}/{device}/hb", "device", 0, False, Heartbeat, "Heartbeat every 15 s."),
    ("{store}/{device}/cmd", "hub", 1, False, Command,
     "Config push, purge of a subject's buffered events, model push; kept and sent again "
     "until answered, each time signed afresh by the hub with a new `expires` and the same "
     "`id`. A device refuses an unsigned, wrongly signed or expired command."),
    ("{store}/{device}/cmdack", "device", 1, False, CommandAck, "The answer to a command."),
    ("{store}/{device}/seen", "device", 0, False, Sightings,
     "A gateway's kept roster-token sightings of the last tick, read by the other "
     "gateways, which zone by comparing receivers. Never strangers."),
    ("{store}/hub/state", "hub", 1, True, State, "The hub's birth and will."),
    ("{store}/roster", "hub", 1, True, Roster,
     "BLE tokens of shoppers who opted in to presence, for the windows around now. Signed "
     "by the hub; a gateway refuses an expired roster or one older (`version`) than its own."),
)  # fmt: skip


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 2.6 document of the MQTT interface."""
    channels: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for channel, publisher, qos, retained, model, text in _CHANNELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        # AsyncAPI 2 is written from the client's side: a device "publishes" what it sends.
        operation = "publish" if publisher == "device" else "subscribe"
        channels[f"{PREFIX}/{channel}"] = {
            "description": text,
            "parameters": {
                name: {"schema": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"}}
                for name in ("store", "device")
                if f"{{{name}}}" in channel
            },
            operation: {
                "bindings": {"mqtt": {"qos": qos, "retain": retained}},
                "message": {"$ref": f"#/components/messages/{model.__name__}"},
            },
        }
    return {
        "asyncapi": "2.6.0",
        "info": {
            "title": "instore MQTT interface",
            "version": str(SCHEMA_VERSION),
            "description": "Edge devices and the store hub. The hub accepts schema versions "
            f"{SCHEMA_VERSION} and {SCHEMA_VERSION - 1}.",
        },
        "servers": {
            "store": {
                "url": "{host}:8883",
                "protocol": "mqtts",
                "protocolVersion": "5",
                "variables": {"host": {"default": "localhost"}},
            },
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {
            "messages": {
                name: {"name": name, "payload": {"$ref": f"#/components/schemas/{name}"}}
                for name in sorted({m.__name__ for *_, m, _ in _CHANNELS})
            },
            "schemas": dict(sorted(schemas.items())),
        },
    }


def openapi() -> dict[str, Any]:
    """The OpenAPI document of the hub's HTTP API (built on a throwaway data directory)."""
    from hub.consent.system import ConsentSystem  # noqa: PLC0415 - heavy; only here
    from hub.settings import HubHome, HubSettings  # noqa: PLC0415
    from hub.web import api_document, build_app  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="instore-api-") as tmp:
        home = HubHome(Path(tmp))
        home.init(HubSettings(store="store"))
        consent = ConsentSystem(home)
        try:
            spec = api_document(build_app(home, consent, run_jobs=False))
        finally:
            consent.close()
    return spec


def _render(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def documents() -> dict[str, bytes]:
    return {"asyncapi.json": _render(asyncapi()), "openapi.json": _render(openapi())}
