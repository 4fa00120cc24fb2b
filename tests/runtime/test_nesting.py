"""nests_deeper: the nesting of JSON text told before parsing it, against an exact count."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from marketctl.runtime._bundles import nests_deeper

# Strings that hold brackets, quotes and backslashes: none of them nests anything.
TRICKY = ['a{b}[c]"\\', '\\"]]{{', "[[[[", '{"', "\\\\", 1, None, "x"]


def _depth(value: Any) -> int:
    if isinstance(value, dict | list):
        children = value.values() if isinstance(value, dict) else value
        return 1 + max((_depth(child) for child in children), default=0)
    return 0


def _document(chooser: random.Random, depth: int) -> Any:
    if depth == 0 or chooser.random() < 0.2:
        return chooser.choice(TRICKY)
    if chooser.random() < 0.5:
        return [_document(chooser, depth - 1) for _ in range(chooser.randint(0, 3))]
    keys = [str(chooser.choice(TRICKY)) for _ in range(chooser.randint(0, 3))]
    return {key: _document(chooser, depth - 1) for key in keys}


def test_it_agrees_with_an_exact_count_on_random_documents() -> None:
    chooser = random.Random(20261208)
    for _ in range(2000):
        document = _document(chooser, chooser.randint(0, 12))
        data = json.dumps(document, ensure_ascii=chooser.random() < 0.5).encode()
        depth = _depth(document)
        assert [nests_deeper(data, limit) for limit in range(14)] == [
            depth > limit for limit in range(14)
        ], data


@pytest.mark.parametrize(
    ("data", "limit", "deeper"),
    [
        (b"[" * 200_000 + b"]" * 200_000, 64, True),  # stops after 65 levels, not 200,000
        (b"[" * 64 + b"]" * 64, 64, False),
        (b"[" * 65 + b"]" * 65, 64, True),
        (b'{"a": "[[[[[[[["}', 1, False),
        (b"[[[", 2, True),  # not JSON: counted one by one
        (b"]]][", 0, False),  # not JSON either; the parser refuses it
    ],
)
def test_edges(data: bytes, limit: int, deeper: bool) -> None:
    assert nests_deeper(data, limit) is deeper
