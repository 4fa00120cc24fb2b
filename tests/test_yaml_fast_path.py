"""YAML through libyaml (PyYAML's C parser) gives the same documents as ruamel.yaml's pure YAML 1.2
parser: the same plain data, the same position of every key and value, the same findings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketctl.core import documents
from marketctl.core.documents import load_document

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    [*(ROOT / "markets").rglob("*.yaml"), *(ROOT / "tests" / "cases").rglob("*.yaml")],
)

EDGE_CASES = {
    "yaml-1.2-scalars": (
        "a: yes\nb: no\nc: on\nd: 0o17\ne: 017\nf: 0x1F\ng: 1_000\nh: .5\ni: 1e3\nj: ~\n"
        "k: True\nl: 2026-12-01\nm: 2026-12-01T09:00\nn: 12.50\no: +3\np: -0.0\nq: 1.5e3\n"
        "r: ''\ns: null\nt:\nu: '12'\nv: \"1.0\"\n"
    ),
    "flow-mappings": (
        "features:\n  buyback:\n    - {at: 2026-12-01T09:00, percent: 10}\n"
        "    - {at: 2027-01-15T09:00, percent: 50.5}\n  x: [a, {b: c}, 'd e']\n"
    ),
    "unicode-columns": "名前: 'カート'\nbadge: \"整備済み品\"\n  # comment\nnext: {k: 値, l: ü}\n",
    "block-scalars": 'a: |\n  one\n  two\nb: >-\n  folded\n  text\n\nc: "x\\u00a0y\\\n  z"\n',
    "merge-and-alias": "base: &b {x: 1, y: 2}\nmerged:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n",
    "duplicate-key": "a: 1\nb: 2\na: 3\n",
    "duplicate-in-flow": "m: {a: 1, a: 2}\n",
    "tagged": "a: !!python/object:os.system x\n",
    "custom-tag": "a: !include other.yaml\n",
    "bad-indentation": "a:\n  b: 1\n c: 2\n",
    "unclosed-flow": "a: [1, 2\nb: 3\n",
    "tab": "a:\n\tb: 1\n",
    "two-documents": "a: 1\n---\nb: 2\n",
    "directive-1.1": "%YAML 1.1\n---\na: yes\n",
    "list-at-top": "- a\n- b\n",
    "scalar-at-top": "just text\n",
    "empty": "",
    "comment-only": "# nothing\n",
    "cycle": "a: &x [1, *x]\n",
    "key-is-a-list": "? [a, b]\n: c\n",
    "bom": "\ufeffa: 1\n",
    "crlf": "a: 1\r\nb:\r\n  - x\r\nc:\r\n",
    "empty-values": (
        "a:\n  b:\n  # note\n\n  c:\nd:   # why\ne: [x, ]\nf: {g: , h: 1}\nl:\n  -\n  - \n"
        "m: {n}\no:"
    ),
    "empty-at-the-end": "a: 1\nb:\n\n# trailing comment\n",
}


def _both(path: str, raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    fast = load_document(path, raw)
    with monkeypatch.context() as patched:
        patched.setattr(documents, "_Composer", None)
        slow = load_document(path, raw)
    return fast, slow


def _comparable(result: Any) -> Any:
    document, found = result
    if document is None:
        return None, found
    return (document.data, dict(document.values), dict(document.keys)), found


@pytest.mark.parametrize("file", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_files_load_the_same(file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(str(file.relative_to(ROOT)), file.read_bytes(), monkeypatch)
    assert _comparable(fast) == _comparable(slow)


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_load_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(f"{name}.yaml", EDGE_CASES[name].encode("utf-8"), monkeypatch)
    assert _comparable(fast) == _comparable(slow)


def test_the_fast_path_is_taken_and_keeps_yaml_1_2(monkeypatch: pytest.MonkeyPatch) -> None:
    assert documents._Composer is not None
    calls: list[str] = []
    original = documents.YAML

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append("ruamel")
        return original(*args, **kwargs)

    monkeypatch.setattr(documents, "YAML", spy)
    document, found = load_document("x.yaml", EDGE_CASES["yaml-1.2-scalars"].encode())
    assert calls == [] and found == [] and document is not None
    assert document.data["a"] == "yes" and document.data["d"] == 15 and document.data["e"] == 17
    assert document.data["l"] == "2026-12-01" and document.data["n"] == Decimal("12.50")
    document, _ = load_document("x.yaml", EDGE_CASES["flow-mappings"].encode())
    assert document is not None
    assert document.data["features"]["buyback"][0] == {"at": "2026-12-01T09:00", "percent": 10}
    assert document.values[("features", "buyback", 1, "percent")].column == 39
    assert calls == []
    load_document("x.yaml", EDGE_CASES["duplicate-key"].encode())
    assert calls == []  # duplicates are found on the node tree, on either path
    load_document("x.yaml", EDGE_CASES["unclosed-flow"].encode())
    assert calls == ["ruamel"]  # the error's wording and position come from ruamel
