"""The JSON outputs of validate, translations, diff and test follow their schemas in schemas/
(issue 10), checked on real output that exercises every part of each document."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from clitools import edit, invoke
from test_diff import _git

REPOSITORY = Path(__file__).resolve().parents[1]


def _conforms(name: str, document: Any) -> None:
    schema = json.loads((REPOSITORY / "schemas" / name).read_text(encoding="utf-8"))
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in Draft202012Validator(schema).iter_errors(document)
    ]
    assert errors == []


def test_validate_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/se/market.yaml", "currency: SEK", "curency: SEK")
    edit(repo / "markets/jp/market.yaml", "currency: JPY", "currency: JPX")
    (repo / "pyproject.toml").write_text('[tool.marketctl]\nignore = ["MKT102"]\n')

    document = json.loads(invoke(capsys, repo, "validate", "--format", "json").out)

    assert document["findings"] and document["stopping"]
    _conforms("validate.output.schema.json", document)


def test_translations_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(invoke(capsys, repo, "translations", "--format", "json").out)

    assert document["coverage"]
    _conforms("translations.output.schema.json", document)


def test_diff_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    shutil.rmtree(repo / "markets/jp")
    shutil.copytree(repo / "markets/se", repo / "markets/no")
    edit(repo / "markets/_defaults/warranty.yaml", "months: 12", "months: 24")

    document = json.loads(invoke(capsys, repo, "diff", "main", "--format", "json").out)

    assert document["added"] and document["removed"] and document["changes"]
    _conforms("diff.output.schema.json", document)


def test_test_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(REPOSITORY / "specs", repo / "specs")
    edit(repo / "specs/jp.yaml", 'expect: "3点"', 'expect: "3個"')

    outcome = invoke(capsys, repo, "test", "--format", "json")
    document = json.loads(outcome.out)

    assert outcome.code == 1
    assert {r["status"] for r in document["results"]} == {"passed", "failed"}
    _conforms("test.output.schema.json", document)
