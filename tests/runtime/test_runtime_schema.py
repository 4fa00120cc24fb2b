"""The runtime's compiled bundle check agrees with jsonschema on the published schemas."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from marketctl.runtime._schema import Invalid, compile_schema
from marketctl.testing import build_bundles

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    import shutil

    root = tmp_path_factory.mktemp("config")
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    dist = build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root)
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(dist.glob("*.json"))]


def _schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.schema.json").read_text("utf-8"))
    return schema


def _passes(check: Any, value: Any) -> bool:
    try:
        check(value)
    except Invalid:
        return False
    return True


def _mutations(document: Any, rng: random.Random) -> Any:
    """The document with one value somewhere replaced by a value of another kind."""
    mutated = copy.deepcopy(document)
    node, parent, key = mutated, None, None
    for _ in range(rng.randint(1, 8)):
        if isinstance(node, dict) and node:
            key = rng.choice(sorted(node))
        elif isinstance(node, list) and node:
            key = rng.randrange(len(node))
        else:
            break
        parent, node = node, node[key]
    if parent is None:
        return mutated
    replacement = rng.choice([None, True, 0, -1, 7, 2.5, "", "x", "2026-01-01", [], {}, {"k": 1}])
    if isinstance(parent, dict) and rng.random() < 0.2:
        parent["unexpected"] = replacement
    elif isinstance(parent, dict) and rng.random() < 0.2:
        del parent[key]
    else:
        parent[key] = replacement
    return mutated


@pytest.mark.parametrize("kind", ["bundle", "manifest"])
def test_the_published_schemas_compile(kind: str) -> None:
    compile_schema(_schema(kind))


def test_compiled_check_agrees_with_jsonschema(bundles: list[dict[str, Any]]) -> None:
    schema = _schema("bundle")
    reference = Draft202012Validator(schema)
    check = compile_schema(schema)
    rng = random.Random(13)
    disagreements = []
    checked = 0
    for bundle in bundles:
        if bundle.get("format") != 2 or "market" not in bundle:
            continue  # the manifest
        assert _passes(check, bundle)
        for _ in range(900 // 3 if len(bundles) <= 4 else 60):
            mutated = _mutations(bundle, rng)
            ours, theirs = _passes(check, mutated), reference.is_valid(mutated)
            checked += 1
            if ours != theirs:
                disagreements.append((ours, theirs))
    assert checked >= 900
    assert disagreements == []


def test_unsupported_keywords_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported JSON Schema keyword"):
        compile_schema({"type": "object", "dependentRequired": {"a": ["b"]}})


@pytest.mark.parametrize(
    ("schema", "value", "where", "problem"),
    [
        ({"type": "integer"}, 2**53, "", "integer of 16 digits is out of range"),
        ({"type": "number"}, float("nan"), "", "nan is not a finite number"),
        (
            {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "2027-02-29",
            "",
            '"2027-02-29" is not a calendar date',
        ),
        (
            {"type": "array", "items": {"type": "object", "properties": {"a": {"const": 1}}}},
            [{"a": 1}, {"a": 2}],
            "[1].a",
            "2 is not one of 1",
        ),
        ({"type": "string", "pattern": r"^\d+$"}, "١٢", "", '"١٢" does not match ^\\d+$'),
    ],
)
def test_compiled_check_reports_where_and_why(
    schema: dict[str, Any], value: Any, where: str, problem: str
) -> None:
    with pytest.raises(Invalid) as caught:
        compile_schema(schema)(value)
    assert (caught.value.where, caught.value.problem) == (where, problem)


_VALUE_RULE_CASES = [
    "2026-02-30",  # the date pattern, no such day
    "2026-02-28",
    "2026-12-07T09:00:00Z",
    "2026-12-31T23:59:60Z",  # a leap second: datetime refuses it
    "2026-13-01T00:00:00Z",
    "1" * 41,  # a decimal longer than MAX_DECIMAL_CHARS
    "12.5",
    2**53 - 1,
    2**53,
    -(2**60),
    10**30,
]


def _value_rule_mutations(document: Any, rng: random.Random) -> Any:
    """The document with one leaf replaced by a value the value rules are about."""
    mutated = copy.deepcopy(document)
    node, parent, key = mutated, None, None
    while isinstance(node, dict | list) and node:
        key = rng.choice(sorted(node)) if isinstance(node, dict) else rng.randrange(len(node))
        parent, node = node, node[key]
    if parent is not None:
        parent[key] = rng.choice(_VALUE_RULE_CASES)  # type: ignore[index]
    return mutated


def _has_float(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return isinstance(value, float)


def test_jsonschema_rs_with_the_value_rules_agrees_with_the_compiled_check(
    bundles: list[dict[str, Any]],
) -> None:
    """runtime.load lets jsonschema-rs decide for documents without floats: it must accept
    exactly what the compiled check (schema and value rules) accepts."""
    import jsonschema_rs

    from marketctl.runtime._schema import with_value_rules

    schema = _schema("bundle")
    fast = jsonschema_rs.validator_for(with_value_rules(schema), validate_formats=True)
    check = compile_schema(schema)
    rng = random.Random(11)
    disagreements = []
    refused = checked = 0
    for bundle in bundles:
        if bundle.get("format") != 2 or "market" not in bundle:
            continue
        assert fast.is_valid(bundle)
        for mutate in (_mutations, _value_rule_mutations):
            for _ in range(60):
                mutated = mutate(bundle, rng)
                if _has_float(mutated):
                    continue  # a float: the compiled check decides alone
                ours, theirs = _passes(check, mutated), fast.is_valid(mutated)
                checked += 1
                refused += not ours
                if ours != theirs:
                    disagreements.append((ours, theirs, json.dumps(mutated)[:200]))
    assert checked >= 900 and refused >= 300
    assert disagreements == []
