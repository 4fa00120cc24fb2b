"""Loading at C speed (issue 26): validating imports one YAML library (libyaml loads every file
it can, and ruamel.yaml, whose errors say more, is imported only where a file does not load
there), and the shortcuts of the fast path give ruamel's positions."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from marketctl.core import documents
from marketctl.core.documents import load_document

ROOT = Path(__file__).resolve().parents[1]


def test_the_yaml_1_2_tags_are_ruamels() -> None:
    from ruamel.yaml.resolver import implicit_resolvers

    theirs = []
    for versions, tag, regexp, firsts in implicit_resolvers:
        if (1, 2) in versions:
            pattern = regexp.lazy_self() if hasattr(regexp, "lazy_self") else regexp
            theirs.append((str(tag), pattern.pattern, pattern.flags, tuple(firsts)))
    ours = [
        (tag, pattern, re.compile(pattern, flags).flags, firsts)
        for tag, pattern, flags, firsts in documents._YAML_1_2
    ]
    assert ours == theirs


_PROBE = """
import sys
from marketctl import cli
from marketctl.core.documents import load_document
sys.argv = ["marketctl", "--root", sys.argv[1], "validate", "--no-cache", "--quiet"]
code = cli.run()
print(code, "ruamel.yaml" in sys.modules)
_, found = load_document("broken.yaml", b"a: [1, 2\\nb: 3\\n")
print(found[0].line, found[0].column, found[0].message)
print("ruamel.yaml" in sys.modules)
"""


def test_validate_imports_ruamel_only_for_a_file_libyaml_does_not_load() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert done.stdout.splitlines() == [
        "0 False",
        "2 2 YAML syntax error: expected ',' or ']', but got ':'"
        " (a flow sequence that starts on line 1)",
        "True",
    ]


def test_empty_values_met_again_through_an_alias_are_where_ruamel_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Empty values' lines are counted on from the last one's: an alias goes back up the file.
    text = "a: &x\n  b:\n\n  c: 1\nd:\n\n\ne: *x\nf:\n  - *x\n  - g:\nh:"
    fast, found = load_document("x.yaml", text.encode())
    with monkeypatch.context() as patched:
        patched.setattr(documents, "_Composer", None)
        slow, slow_found = load_document("x.yaml", text.encode())
    assert found == slow_found == [] and fast is not None and slow is not None
    assert dict(fast.values) == dict(slow.values)
    assert fast.values[("a", "b")] == fast.values[("e", "b")] == fast.values[("f", 0, "b")]
    assert [fast.values[path] for path in (("a", "b"), ("d",), ("f", 1, "g"), ("h",))] == [
        (4, 3),
        (8, 1),
        (12, 1),
        (12, 3),
    ]
