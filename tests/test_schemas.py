from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from marketctl.checks.schemas import schema_directory

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
NAMES = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))


def _objects(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{path}/{index}")


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_json_schema_2020_12(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", NAMES)
def test_every_property_is_described_and_unknown_keys_are_rejected(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    for path, node in _objects(schema):
        assert "additionalProperties" in node, f"{name}{path} accepts unknown keys"
        for key, definition in node.get("properties", {}).items():
            described = "description" in definition or "const" in definition
            assert described, f"{name}{path}/properties/{key} has no description"


def test_the_installed_package_carries_the_same_schemas() -> None:
    packaged = schema_directory()
    assert sorted(p.name for p in packaged.glob("*.schema.json")) == NAMES
    for name in NAMES:
        assert (packaged / name).read_bytes() == (SCHEMAS / name).read_bytes(), name
