"""The plain-Python test that vouches for a valid message catalogue never vouches for one that
jsonschema finds a problem in, and is not used once the schema is not the one it was written for."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketctl.checks import schemas
from marketctl.core.documents import load_document

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "markets/_defaults/messages/en.yaml"
MESSAGES = ROOT / "markets/_defaults/messages/sv.yaml"
ODD_VALUES: list[Any] = [
    None,
    1,
    True,
    Decimal("1.5"),
    "",
    "x",
    [],
    {},
    0,
    -3,
    "a.b\n",
    {"message": "x"},
    2**70,
]
ODD_KEYS = ["a", "A.b", "a.b", "a..b", "a.b\n", "1.a", "a.b-c", "a.b.c", "é.b", "message"]


def _data(path: Path) -> Any:
    document, problems = load_document(str(path), path.read_bytes())
    assert document is not None and problems == []
    return document.data


def _mutations(data: dict[str, Any], kind: str, count: int) -> list[Any]:
    rng = random.Random(13)
    out: list[Any] = []
    keys = list(data)
    for _ in range(count):
        mutated = copy.deepcopy(data)
        key = rng.choice(keys)
        roll = rng.random()
        if roll < 0.3:
            mutated[rng.choice(ODD_KEYS)] = mutated.pop(key)
        elif roll < 0.6 or kind == "messages":
            mutated[key] = rng.choice(ODD_VALUES)
        else:
            field = rng.choice(["message", "description", "max_length", "allow_identical", "x"])
            value = rng.choice(ODD_VALUES)
            if value is None and rng.random() < 0.5:
                mutated[key].pop(field, None)
            else:
                mutated[key][field] = value
        out.append(mutated)
    return out


@pytest.mark.parametrize(("kind", "path"), [("catalogue", CATALOGUE), ("messages", MESSAGES)])
def test_vouches_only_for_what_jsonschema_accepts(kind: str, path: Path) -> None:
    data = _data(path)
    assert schemas._surely_valid(data, kind)
    vouched = rejected = 0
    for mutated in _mutations(data, kind, 600):
        errors = list(schemas.validator(kind).iter_errors(mutated))
        if schemas._surely_valid(mutated, kind):
            vouched += 1
            assert errors == [], mutated
        elif errors:
            rejected += 1
    assert vouched > 50 and rejected > 200  # both sides were exercised


def test_an_edited_schema_is_not_vouched_for(monkeypatch: pytest.MonkeyPatch) -> None:
    edited = copy.deepcopy(schemas.load_schema("messages"))
    edited["additionalProperties"]["maxLength"] = 3
    monkeypatch.setattr(schemas, "load_schema", lambda kind: edited)
    schemas._has_known_shape.cache_clear()
    try:
        assert not schemas._surely_valid({"a.b": "long text"}, "messages")
    finally:
        monkeypatch.undo()
        schemas._has_known_shape.cache_clear()
    assert schemas._surely_valid({"a.b": "long text"}, "messages")


# Files of every layered kind, from a market, a region and the defaults.
LAYERED_FILES = [
    ("market", "markets/se/market.yaml"),
    ("tax", "markets/se/tax.yaml"),
    ("tax", "markets/us/tax.yaml"),
    ("tax", "markets/_regions/eu/tax.yaml"),
    ("warranty", "markets/gb/warranty.yaml"),
    ("warranty", "markets/_defaults/warranty.yaml"),
    ("rollout", "markets/jp/rollout.yaml"),
    ("features", "markets/_defaults/features.yaml"),
    ("environment", "markets/_environments/staging.yaml"),
]
LEAF_VALUES: list[Any] = [
    None,
    1,
    -1,
    0,
    True,
    Decimal("2.5"),
    "",
    "x",
    "2026-02-30",
    "2026-01-01",
    [],
    {},
    {"x": 1},
    "standard",
    "fixed",
    "delivery",
    10**40,
]


def _leaf_mutations(data: Any, count: int, seed: int) -> list[Any]:
    """The document with one value somewhere replaced, one key dropped or one key added."""
    rng = random.Random(seed)
    out: list[Any] = []
    for _ in range(count):
        mutated = copy.deepcopy(data)
        node, parent, key = mutated, None, None
        while isinstance(node, dict | list) and node and rng.random() < 0.85:
            key = rng.choice(sorted(node)) if isinstance(node, dict) else rng.randrange(len(node))
            parent, node = node, node[key]
        if parent is None:
            continue
        roll = rng.random()
        if roll < 0.2 and isinstance(parent, dict):
            del parent[key]
        elif roll < 0.3 and isinstance(parent, dict):
            parent[rng.choice(["extra", "percent", "from", "form", "source"])] = rng.choice(
                LEAF_VALUES
            )
        else:
            parent[key] = copy.deepcopy(rng.choice(LEAF_VALUES))
        out.append(mutated)
    return out


@pytest.mark.parametrize(("kind", "relative"), LAYERED_FILES)
def test_jsonschema_rs_says_valid_only_where_jsonschema_finds_nothing(
    kind: str, relative: str
) -> None:
    """validate skips jsonschema where jsonschema-rs finds a file valid. For a file of a layered
    kind the fast check ignores the keys required after layering, as check_document does; for a
    resolved market (check_required) it is the whole schema."""
    data = _data(ROOT / relative)
    vouched = refused = 0
    for mutated in _leaf_mutations(data, 400, seed=len(relative)):
        errors = list(schemas.validator(kind).iter_errors(mutated))
        kept = [e for e in errors if not (e.validator == "required" and kind in schemas.LAYERED)]
        layered = kind in schemas.LAYERED
        if schemas._fast_valid(mutated, kind, required=not layered):
            vouched += 1
            assert kept == [], (relative, mutated)
        else:
            refused += 1
        if schemas._fast_valid(mutated, kind, required=True):
            assert errors == [], (relative, mutated)
    assert vouched > 20 and refused > 20  # both sides were exercised
