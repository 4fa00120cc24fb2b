"""``marketctl keys generate`` refuses to write a private key inside a git work tree unless git
ignores the path (issue 20, item 7): an untracked key is one ``git add -A`` from the history."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clitools import invoke

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=GIT_ENV)


@pytest.fixture
def work_tree(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    return root


def test_a_key_in_the_work_tree_is_refused_and_nothing_is_written(
    work_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = work_tree / "release.key"

    outcome = invoke(capsys, work_tree, "keys", "generate", str(key))

    assert (outcome.code, outcome.out, outcome.err) == (
        1,
        "",
        f"Error: {key} is inside the git work tree {work_tree} and git does not ignore it: a "
        "private key there can be committed\n"
        f"  add '/release.key' to {work_tree / '.gitignore'}, or write the key outside the "
        "work tree (e.g. ~/.config/marketctl/release.pem)\n",
    )
    assert sorted(p.name for p in work_tree.iterdir()) == [".git"]


def test_a_key_in_a_subfolder_names_its_path_from_the_top(
    work_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work_tree / "secrets").mkdir()
    key = work_tree / "secrets" / "release.key"

    outcome = invoke(capsys, work_tree, "keys", "generate", str(key))

    assert outcome.code == 1
    assert outcome.err.splitlines()[1] == (
        f"  add '/secrets/release.key' to {work_tree / '.gitignore'}, or write the key outside "
        "the work tree (e.g. ~/.config/marketctl/release.pem)"
    )


def test_an_ignored_path_in_the_work_tree_is_written(
    work_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work_tree / ".gitignore").write_text("*.key\n", encoding="utf-8")
    key = work_tree / "release.key"

    outcome = invoke(capsys, work_tree, "keys", "generate", str(key))

    assert outcome.code == 0, outcome.err
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert (work_tree / "release.key.pub").is_file()


def test_a_key_outside_any_work_tree_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "outside" / "release.key"
    key.parent.mkdir()

    outcome = invoke(capsys, tmp_path, "keys", "generate", str(key))

    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith(f"wrote {key} (private: keep it secret) and {key}.pub")
