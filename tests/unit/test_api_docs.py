"""The AsyncAPI and OpenAPI documents in docs/api are current with the code."""

from __future__ import annotations

from pathlib import Path

import orjson

from hub.api_docs import asyncapi, documents

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api"


def test_committed_api_docs_are_current() -> None:
    for name, content in documents().items():
        committed = (DOCS / name).read_bytes()
        assert committed == content, f"docs/api/{name} is stale: run `instore-hub api-docs`"


def test_asyncapi_names_every_topic_with_its_payload() -> None:
    doc = asyncapi()
    channels = doc["channels"]
    assert "instore/v1/{store}/{device}/evt" in channels
    assert channels["instore/v1/{store}/roster"]["subscribe"]["bindings"]["mqtt"]["retain"]
    schemas = doc["components"]["schemas"]
    assert {"Batch", "Ack", "State", "Heartbeat", "Command", "CommandAck", "Roster"} <= set(schemas)
    assert "events" in schemas["Batch"]["properties"]
    assert orjson.dumps(doc)  # plain JSON all the way down
