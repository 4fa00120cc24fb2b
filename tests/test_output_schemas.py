"""The JSON outputs of validate, translations, diff, sources and test follow their schemas in
schemas/ (issue 10), checked on real output that exercises every part of each document."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from clitools import edit, invoke
from conftest import copy_specs
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
    copy_specs(repo)
    edit(repo / "specs/jp.yaml", 'expect: "3点"', 'expect: "3個"')

    outcome = invoke(capsys, repo, "test", "--format", "json")
    document = json.loads(outcome.out)

    assert outcome.code == 1
    assert {r["status"] for r in document["results"]} == {"passed", "failed"}
    _conforms("test.output.schema.json", document)


def test_translations_missing_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = repo / "markets/jp/messages/ja.yaml"
    kept = [
        line
        for line in catalogue.read_text(encoding="utf-8").splitlines()
        if not line.startswith("cart.title:")
    ]
    catalogue.write_text("\n".join(kept) + "\n", encoding="utf-8")
    document = json.loads(invoke(capsys, repo, "translations", "--missing", "--format", "json").out)
    assert document["missing"]
    _conforms("translations-missing.output.schema.json", document)


def test_translations_import_output(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    invoke(capsys, repo, "translations", "export", "ja", "--format", "po", "-o", str(out))
    po = out / "ja.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "ショッピングカート"', 'msgstr "カート"'), encoding="utf-8")
    changed = json.loads(
        invoke(capsys, repo, "translations", "import", str(po), "--format", "json").out
    )
    assert changed["written"] and changed["changed"]
    _conforms("translations-import.output.schema.json", changed)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith('msgstr "{count'))
    lines[at] = lines[at].replace("{count", "{cnt", 1)
    po.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = json.loads(
        invoke(capsys, repo, "translations", "import", str(po), "--format", "json").out
    )
    assert refused["findings"] and not refused["written"]
    _conforms("translations-import.output.schema.json", refused)


def test_sources_output(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(invoke(capsys, repo, "sources", "--format", "json").out)
    unverified = json.loads(
        invoke(capsys, repo, "sources", "se", "--unverified", "--format", "json").out
    )

    assert document["facts"] and {f["status"] for f in unverified["facts"]} == {"unverified"}
    _conforms("sources.output.schema.json", document)
    _conforms("sources.output.schema.json", unverified)


def test_readiness_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    shutil.copytree(REPOSITORY / "specs", root / "specs")
    outcome = invoke(capsys, root, "readiness", "--format", "json")
    assert outcome.code == 0, outcome.err
    document = json.loads(outcome.out)
    assert document["markets"] and document["changes"]
    _conforms("readiness.output.schema.json", document)
