"""Running the CLI in-process and reading its findings, for the tests."""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from marketctl.cli import run

IN_CI = os.environ.get("CI") == "true"


def needs_module(name: str) -> ModuleType:
    """A test tool from the ``test`` extra: skipped where it is not installed, except in CI
    (``CI=true``), where .ci/run installs every one and a missing one fails the test."""
    if IN_CI:
        return importlib.import_module(name)
    return pytest.importorskip(name)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def invoke(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Outcome:
    capsys.readouterr()
    code = run(["--root", str(root), *args])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def findings(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> list[dict[str, Any]]:
    outcome = invoke(capsys, root, "validate", "--format", "json", *args)
    assert outcome.code in (0, 1), outcome.err
    result: list[dict[str, Any]] = json.loads(outcome.out)["findings"]
    return result


def places(items: list[dict[str, Any]], prefix: str = "MKT") -> list[tuple[str, str, int, int]]:
    """(code, file, line, column) of each finding whose code starts with prefix."""
    return [
        (f["code"], f["file"], f["line"], f["column"])
        for f in items
        if f["code"].startswith(prefix)
    ]


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of old in the file (fails loudly when it is not there once)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the one line that contains needle."""
    lines = [
        n
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if needle in text
    ]
    assert len(lines) == 1, f"{needle!r} is on lines {lines} of {path}"
    return lines[0]


def at(repo: Path, file: str, needle: str, word: str | None = None) -> tuple[str, int, int]:
    """(file, line, column) of ``word`` (default: the needle) on the one line holding needle."""
    line = line_of(repo / file, needle)
    text = (repo / file).read_text(encoding="utf-8").splitlines()[line - 1]
    return file, line, text.index(word or needle) + 1
