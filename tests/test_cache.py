"""The report cache (issue 11): a cached and an uncached run print byte-identical reports, after
edits, after reverts and after a corrupted cache; an unchanged tree is answered from the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clitools import edit
from marketctl.repository import cache as cache_module

SV = "markets/_defaults/messages/sv.yaml"


def _run(root: Path, *args: str, no_cache: bool = False) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "MARKETCTL_NO_CACHE"}
    env["MARKETCTL_TODAY"] = "2026-11-30"
    command = [sys.executable, "-m", "marketctl", "--root", str(root), "validate", *args]
    if no_cache:
        command.append("--no-cache")
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    assert done.stderr == b""
    return done.returncode, done.stdout.decode("utf-8")


def _entries(root: Path) -> list[Path]:
    return sorted((root / ".marketctl-cache").rglob("*.json"))


def _same(root: Path, *args: str) -> tuple[int, str]:
    cached = _run(root, *args)
    fresh = _run(root, *args, no_cache=True)
    assert cached == fresh
    return cached


def test_cached_and_uncached_reports_are_byte_identical(repo: Path) -> None:
    clean = _same(repo, "--format", "json")
    assert clean[0] == 0 and len(_entries(repo)) == 1
    assert _same(repo, "--format", "json") == clean  # answered from the entry
    assert len(_entries(repo)) == 1
    assert (repo / ".marketctl-cache/.gitignore").read_text(encoding="utf-8").endswith("*\n")

    # An edit: another key, the new findings, stored beside the first.
    edit(repo / SV, '"{gb, number, integer} GB"', '"{gb, spellout} GB"')
    broken = _same(repo, "--format", "json")
    assert broken[0] == 1 and "MKT503" in broken[1]
    assert len(_entries(repo)) == 2

    # A revert: the first entry again, the first report byte for byte.
    edit(repo / SV, '"{gb, spellout} GB"', '"{gb, number, integer} GB"')
    assert _same(repo, "--format", "json") == clean
    assert len(_entries(repo)) == 2

    # Options are part of the key: text and --strict are other runs.
    text = _same(repo)
    assert text[1].startswith("0 errors, 0 warnings in 3 markets") and len(_entries(repo)) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: entry.write_text("{not json", encoding="utf-8"),
        lambda entry: entry.write_bytes(entry.read_bytes()[:40]),
        lambda entry: entry.write_text(
            json.dumps({**json.loads(entry.read_text("utf-8")), "output": "0 errors\n"}),
            encoding="utf-8",
        ),
        lambda entry: entry.write_text(
            json.dumps({**json.loads(entry.read_text("utf-8")), "format": 0}), encoding="utf-8"
        ),
        lambda entry: entry.write_text("[]", encoding="utf-8"),
    ],
    ids=["not-json", "truncated", "forged-output", "other-format", "foreign-shape"],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(repo: Path, damage: object) -> None:
    edit(repo / SV, '"{gb, number, integer} GB"', '"{gb, spellout} GB"')
    first = _same(repo)
    assert first[0] == 1
    (entry,) = _entries(repo)
    damage(entry)  # type: ignore[operator]
    assert _run(repo) == first
    assert _same(repo) == first
    assert cache_module.ReportCache(repo).get(json.loads(entry.read_text("utf-8"))["key"])


def test_no_cache_writes_nothing_and_a_fifo_is_never_cached(repo: Path) -> None:
    _run(repo, no_cache=True)
    assert not (repo / ".marketctl-cache").exists()
    os.mkfifo(repo / "markets/se/pipe.yaml")
    assert cache_module.ReportCache(repo).key("validate", {}, "2026-11-30") is None


def test_a_tree_with_known_digests_is_the_same_tree(repo: Path) -> None:
    from marketctl.repository.cache import tree_of

    known: dict[str, tuple[object, str]] = {}
    first = tree_of(repo, known)
    assert first is not None and first == tree_of(repo) and len(known) == len(first.files)
    tax = repo / "markets/se/tax.yaml"
    tax.write_text(tax.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    again = tree_of(repo, known)
    assert again is not None and again == tree_of(repo) and again != first
    assert again.files["markets/se/tax.yaml"] != first.files["markets/se/tax.yaml"]
