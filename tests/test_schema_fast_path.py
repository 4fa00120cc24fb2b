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
