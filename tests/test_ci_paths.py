"""CI output attaches to the right files whatever --root is (issue 20, item 5).

GitHub resolves annotation files and SARIF locations against the top of the git work tree. A
config repository with its markets under ``cfg/`` runs ``marketctl validate --root cfg``: the
findings (relative to the root) must come out as ``cfg/markets/...``. Real git repositories,
marketctl as a real process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clitools import edit
from conftest import copy_markets

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}
# MKT102 alone: the unknown key, not the missing currency it leaves (which build refuses, so it
# is listed too, after).
SELECT = ("validate", "--select", "MKT102")
ANNOTATION = (
    "::error file={file},line=8,col=1,title=MKT102 unknown-key::"
    "unknown key 'curency'%0Adid you mean 'currency'?"
)


def _marketctl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marketctl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MARKETCTL_NO_CACHE": "1"},
    )


@pytest.fixture
def work_tree(tmp_path: Path) -> Path:
    """A git repository whose markets are under cfg/, with one unknown key in se."""
    top = tmp_path / "repository"
    copy_markets(top / "cfg")
    edit(top / "cfg/markets/se/market.yaml", "currency: SEK", "curency: SEK")
    subprocess.run(
        ["git", "init", "-q", "-b", "main", str(top)],
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )
    return top


def test_github_annotations_are_relative_to_the_work_tree(work_tree: Path) -> None:
    from_top = _marketctl(work_tree, *SELECT, "--root", "cfg", "--format", "github")
    from_inside = _marketctl(
        work_tree / "cfg/markets", *SELECT, "--root", "..", "--format", "github"
    )

    for result in (from_top, from_inside):
        assert result.returncode == 1, result.stderr
        assert result.stdout.splitlines()[0] == ANNOTATION.format(file="cfg/markets/se/market.yaml")
    assert from_inside.stdout == from_top.stdout


def test_the_text_format_keeps_paths_relative_to_the_root(work_tree: Path) -> None:
    result = _marketctl(work_tree, "validate", "--root", "cfg", "--select", "MKT102")

    assert result.stdout.splitlines()[0] == (
        "markets/se/market.yaml:8:1: MKT102 error: unknown key 'curency'"
    )


def test_path_prefix_replaces_the_work_tree_path(work_tree: Path) -> None:
    given = _marketctl(
        work_tree, *SELECT, "--root", "cfg", "--format", "github", "--path-prefix", "config/"
    )
    empty = _marketctl(
        work_tree, *SELECT, "--root", "cfg", "--format", "github", "--path-prefix", "."
    )
    climbing = _marketctl(
        work_tree, *SELECT, "--root", "cfg", "--format", "github", "--path-prefix", "../x"
    )

    assert given.stdout.splitlines()[0] == ANNOTATION.format(file="config/markets/se/market.yaml")
    assert empty.stdout.splitlines()[0] == ANNOTATION.format(file="markets/se/market.yaml")
    assert (climbing.returncode, climbing.stdout) == (2, "")
    assert climbing.stderr == (
        "Error: --path-prefix '../x' climbs out of the work tree with '..'\n"
        "  give the root's folder as seen from the top of the repository, e.g. cfg\n"
    )


def test_sarif_locations_and_base_are_the_work_tree(work_tree: Path) -> None:
    result = _marketctl(work_tree, *SELECT, "--root", "cfg", "--format", "sarif")

    (run,) = json.loads(result.stdout)["runs"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": work_tree.resolve().as_uri() + "/"}}
    assert run["results"][0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "cfg/markets/se/market.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 8, "startColumn": 1},
    }


def test_sarif_with_a_prefix_the_root_does_not_end_with_has_no_base_uri(
    work_tree: Path,
) -> None:
    fits = _marketctl(
        work_tree, *SELECT, "--root", "cfg", "--format", "sarif", "--path-prefix", "cfg"
    )
    other = _marketctl(
        work_tree, *SELECT, "--root", "cfg", "--format", "sarif", "--path-prefix", "a/b"
    )

    fitting = json.loads(fits.stdout)["runs"][0]
    assert fitting["originalUriBaseIds"] == {
        "%SRCROOT%": {"uri": work_tree.resolve().as_uri() + "/"}
    }
    (run,) = json.loads(other.stdout)["runs"]
    assert run["originalUriBaseIds"] == {
        "%SRCROOT%": {
            "description": {
                "text": "The root of the repository's work tree; locations carry the prefix "
                "given to --path-prefix."
            }
        }
    }
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "a/b/markets/se/market.yaml", "uriBaseId": "%SRCROOT%"}


def test_a_root_outside_any_work_tree_is_its_own_base(tmp_path: Path) -> None:
    root = copy_markets(tmp_path / "plain")
    edit(root / "markets/se/market.yaml", "currency: SEK", "curency: SEK")

    github = _marketctl(root, *SELECT, "--format", "github")
    sarif = json.loads(_marketctl(root, *SELECT, "--format", "sarif").stdout)

    assert github.stdout.splitlines()[0] == ANNOTATION.format(file="markets/se/market.yaml")
    assert sarif["runs"][0]["originalUriBaseIds"] == {
        "%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}
    }
