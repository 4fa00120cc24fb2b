from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from clitools import edit, invoke

ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=ENV
    )
    return done.stdout.strip()


@pytest.fixture
def history(repo: Path) -> Path:
    """The repository's markets committed as the base revision of a real git repository."""
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    return repo


def _change_food_rate_and_a_message(root: Path) -> None:
    edit(
        root / "markets/se/tax.yaml",
        "percent: 6\n      from: 2026-04-01",
        "percent: 5\n      from: 2026-04-01",
    )
    edit(root / "markets/jp/messages/ja.yaml", 'cart.title: "', 'cart.title: "🛒 ')


def test_no_changes(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, history, "diff", "main")

    assert outcome.code == 0
    assert outcome.out == "no changes between main and the working tree\n"


def test_working_tree_against_a_revision(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _change_food_rate_and_a_message(history)
    title = next(
        line
        for line in (history / "markets/jp/messages/ja.yaml").read_text().splitlines()
        if line.startswith("cart.title:")
    )
    new_title = json.loads(title.split(": ", 1)[1])

    outcome = invoke(capsys, history, "diff", "main")

    assert outcome.code == 0
    assert outcome.out.splitlines() == [
        "se  high    tax.rates.food[2026-04-01].percent: 6 → 5",
        f"jp  low     messages.ja-JP.cart.title: {new_title.removeprefix('🛒 ')} → {new_title}",
        "2 changes (1 high, 0 medium, 1 low) between main and the working tree",
    ]


def test_two_revisions_and_json(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _change_food_rate_and_a_message(history)
    _git(history, "commit", "-qam", "head")

    outcome = invoke(capsys, history, "diff", "main~1", "main", "--format", "json")

    report = json.loads(outcome.out)
    assert report["summary"] == {"high": 1, "medium": 0, "low": 1}
    assert report["changes"][0] == {
        "market": "se",
        "key": "tax.rates.food[2026-04-01].percent",
        "kind": "changed",
        "risk": "high",
        "before": 6,
        "after": 5,
        "note": "",
    }


def test_a_change_in_defaults_reaches_every_market(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(history / "markets/_defaults/warranty.yaml", "months: 12", "months: 24")

    outcome = invoke(capsys, history, "diff", "main", "--format", "json")

    changes = json.loads(outcome.out)["changes"]
    assert [(c["market"], c["key"], c["before"], c["after"], c["risk"]) for c in changes] == [
        (code, "warranty.commercial_warranty.months", 12, 24, "medium")
        for code in ("ca", "jp", "se")
    ]


def test_an_added_interval_is_one_change(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        history / "markets/jp/rollout.yaml",
        "    - {at: 2027-02-01T09:00, percent: 100}",
        "    - {at: 2027-01-22T09:00, percent: 75}\n    - {at: 2027-02-01T09:00, percent: 100}",
    )

    outcome = invoke(capsys, history, "diff", "main", "--format", "json")

    changes = json.loads(outcome.out)["changes"]
    assert [(c["key"], c["kind"], c["after"]) for c in changes] == [
        ("rollout.features.buyback[2027-01-22T09:00].at", "added", "2027-01-22T09:00"),
        ("rollout.features.buyback[2027-01-22T09:00].percent", "added", 75),
    ]


def test_unknown_revision_is_a_known_failure(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, history, "diff", "release-2026")

    assert outcome.code == 1
    assert outcome.err == (
        "Error: unknown git revision 'release-2026'\n"
        "  fetch it first (git fetch origin release-2026), or name a commit that exists\n"
    )


def test_shallow_clone_says_to_unshallow(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        history / "markets/se/tax.yaml",
        "percent: 6\n      from: 2026-04-01",
        "percent: 5\n      from: 2026-04-01",
    )
    _git(history, "commit", "-qam", "second")
    clone = tmp_path / "shallow"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history}", str(clone))

    outcome = invoke(capsys, clone, "diff", "HEAD~1")

    assert outcome.code == 1
    assert outcome.err == (
        "Error: unknown git revision 'HEAD~1'\n  fetch full history: git fetch --unshallow\n"
    )


def test_outside_git_is_a_known_failure(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, repo, "diff", "main")

    assert outcome.code == 1
    assert outcome.err == (
        f"Error: {repo} is not inside a git repository\n"
        "  diff compares git revisions: run it in a clone of the config repository\n"
    )
