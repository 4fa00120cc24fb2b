"""``marketctl owners``: CODEOWNERS from the owners: in markets/ (issue 10)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clitools import edit, invoke, line_of

REPOSITORY = Path(__file__).resolve().parents[1]


def test_the_repository_codeowners_is_up_to_date(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".github").mkdir()
    shutil.copy(REPOSITORY / ".github/CODEOWNERS", repo / ".github/CODEOWNERS")

    outcome = invoke(capsys, repo, "owners", "--check")

    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith(".github/CODEOWNERS is up to date (")


def test_write_sends_each_kind_of_file_to_its_owners(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "owners", "--write")

    assert outcome.code == 0
    lines = (repo / ".github/CODEOWNERS").read_text().splitlines()
    rules = {line.split()[0]: line.split()[1:] for line in lines if not line.startswith("#")}
    assert rules["/markets/se/"] == ["@marketplace/expansion-nordics"]
    assert rules["/markets/se/tax.yaml"] == ["@marketplace/legal"]
    assert rules["/markets/se/warranty.yaml"] == ["@marketplace/legal"]
    assert rules["/markets/se/messages/"] == ["@marketplace/localisation"]
    assert rules["/markets/se/rollout.yaml"] == ["@marketplace/feature-owners"]
    assert rules["/markets/_regions/*/tax.yaml"] == ["@marketplace/legal"]
    assert rules["/markets/*/messages/"] == ["@marketplace/localisation"]
    assert rules["/markets/_defaults/features.yaml"] == ["@marketplace/feature-owners"]
    assert rules["/specs/jp.yaml"] == ["@marketplace/expansion-japan"]
    assert rules["/markets/_environments/"] == ["@marketplace/feature-owners"]
    assert rules["/markets/_reference/"] == ["@marketplace/legal"]
    # CODEOWNERS applies the last match: a folder's line comes before its files'.
    patterns = list(rules)
    assert patterns.index("/markets/se/") < patterns.index("/markets/se/tax.yaml")


def test_a_new_market_without_owners_of_its_own_keeps_codeowners_fresh(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert invoke(capsys, repo, "owners", "--write").code == 0
    shutil.copytree(repo / "markets/se", repo / "markets/no")
    edit(
        repo / "markets/no/market.yaml",
        'owners:\n  market: ["@marketplace/expansion-nordics"]\n',
        "",
    )

    assert invoke(capsys, repo, "owners", "--check").code == 0
    edit(
        repo / "markets/no/market.yaml",
        "name: Sweden",
        'name: Norway\nowners: {market: ["@nordics"]}',
    )
    assert invoke(capsys, repo, "owners", "--check").code == 1


def test_a_market_overrides_the_shared_owners_key_by_key(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / "markets/ca/market.yaml",
        'owners:\n  market: ["@marketplace/expansion-americas"]',
        'owners:\n  market: ["@marketplace/expansion-americas"]\n  legal: ["@ca-counsel"]',
    )

    document = json.loads(invoke(capsys, repo, "owners", "--format", "json").out)

    owners = {rule["pattern"]: rule["owners"] for rule in document["rules"]}
    assert owners["/markets/ca/tax.yaml"] == ["@ca-counsel"]
    assert owners["/markets/jp/tax.yaml"] == ["@marketplace/legal"]
    origin = {rule["pattern"]: rule["from"] for rule in document["rules"]}
    assert origin["/markets/ca/tax.yaml"] == "markets/ca/market.yaml"


def test_check_fails_when_an_owner_changes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(capsys, repo, "owners", "--write").code == 0
    edit(repo / "markets/_defaults/market.yaml", "@marketplace/legal", "@marketplace/legal-eu")

    outcome = invoke(capsys, repo, "owners", "--check")

    assert outcome.code == 1
    line = line_of(repo / ".github/CODEOWNERS", "/markets/*/tax.yaml")
    assert outcome.err == (
        f"Error: .github/CODEOWNERS:{line}: stale: it does not match the owners: in markets/\n"
        "  run marketctl owners --write and commit it\n"
    )


def test_check_fails_without_a_codeowners_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "owners", "--check")

    assert (outcome.code, outcome.err.splitlines()[0]) == (
        1,
        "Error: .github/CODEOWNERS does not exist",
    )


def test_an_owner_that_is_no_github_name_is_a_finding(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / "markets/se/market.yaml", '"@marketplace/expansion-nordics"', '"nordics team"')

    outcome = invoke(capsys, repo, "validate", "se", "--format", "json")

    assert outcome.code == 1
    (finding,) = json.loads(outcome.out)["findings"]
    assert (finding["code"], finding["file"], finding["line"]) == (
        "MKT101",
        "markets/se/market.yaml",
        line_of(repo / "markets/se/market.yaml", "nordics team"),
    )
