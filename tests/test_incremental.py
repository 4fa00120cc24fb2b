"""The incremental run (issue 11): after each edit, what it redoes from the stored units equals
a full run of the same tree, unit by unit, and the CLI prints byte-identical reports with and
without the cache."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clitools import edit
from conftest import REPOSITORY
from marketctl.checks import incremental
from marketctl.checks.validation import collect
from marketctl.repository.cache import tree_of
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """All of this repository's markets (17: a change to one touches few of them)."""
    root = tmp_path / "config"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    shutil.copy2(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    return root


def _full(root: Path) -> dict[str, Any]:
    repository = load_repository(WorktreeSource(root))
    collected = collect(repository, list(repository.markets), jobs=1)
    tree = tree_of(root)
    assert tree is not None
    return incremental.encode(collected, tree, incremental.broken_files(repository))


def _redone(root: Path, units: dict[str, Any]) -> dict[str, Any] | None:
    tree = tree_of(root)
    assert tree is not None
    updated = incremental.update(WorktreeSource(root), tree, copy.deepcopy(units))
    if updated is None:
        return None
    collected, broken = updated
    return incremental.encode(collected, tree, broken)


def _codes(units: dict[str, Any]) -> set[str]:
    found = [f[0] for items in units["loading"].values() for f in items]
    found += [f[0] for items in units["schema"].values() for f in items]
    found += [f[0] for items in units["markets"].values() for f in items]
    found += [pair[1][0] for pairs in units["shared"].values() for pair in pairs]
    return set(found)


FR = "markets/_defaults/messages/fr.yaml"
FR_CA = "markets/ca/messages/fr-CA.yaml"
JA = "markets/jp/messages/ja.yaml"

# Each step: a name, the edit, whether the incremental path takes it, a code it must bring.
STEPS: list[tuple[str, Callable[[Path], None], bool, str | None]] = [
    (
        "a market's translation stops parsing",
        lambda root: edit(root / FR_CA, '"Remis à neuf"', '"Remis {à neuf"'),
        True,
        "MKT503",
    ),
    (
        "it parses again",
        lambda root: edit(root / FR_CA, '"Remis {à neuf"', '"Remis à neuf"'),
        True,
        None,
    ),
    (
        "a market's catalogue stops loading",
        lambda root: (root / JA).write_text(
            (root / JA).read_text("utf-8") + "broken: [\n", encoding="utf-8"
        ),
        True,
        "MKT001",
    ),
    (
        "it loads again, with a key the source does not have",
        lambda root: (root / JA).write_text(
            (root / JA).read_text("utf-8").replace("broken: [\n", 'no.such.key: "x"\n'),
            encoding="utf-8",
        ),
        True,
        "MKT502",
    ),
    (
        "an inline ignore in that catalogue",
        lambda root: edit(
            root / JA, 'no.such.key: "x"', 'no.such.key: "x"  # marketctl: ignore[MKT502]'
        ),
        True,
        "MKT502",
    ),
    (
        "a market's translation stops fitting its schema",
        lambda root: edit(root / FR_CA, '"Remis à neuf"', "[Remis, à, neuf]"),
        True,
        "MKT101",
    ),
    (
        "it fits again",
        lambda root: edit(root / FR_CA, "[Remis, à, neuf]", '"Remis à neuf"'),
        True,
        None,
    ),
    (
        "the repository adds reference data (a floor the Spanish guarantee misses)",
        lambda root: _write(
            root / "markets/_reference/consumer_law.yaml",
            "# yaml-language-server: $schema=../../schemas/consumer_law.schema.json\n"
            "floors:\n  ES:\n    legal_guarantee_months:\n      value: 48\n"
            "      from: 2022-01-01\n      source: {title: T, url: 'https://a.b/x'}\n",
        ),
        False,
        "MKT401",
    ),
    (
        "the repository's reference data changes",
        lambda root: _replace_first(
            root / "markets/_reference/consumer_law.yaml", "value: 48", "value: 36"
        ),
        False,
        None,
    ),
    (
        "a shared catalogue drops an argument (three markets read fr)",
        lambda root: edit(
            root / FR,
            "{condition, select, excellent {Parfait état}",
            "{etat, select, excellent {Parfait état}",
        ),
        True,
        "MKT504",
    ),
    (
        "a shared catalogue loses a key its markets read",
        lambda root: (root / FR).write_text(
            "\n".join(
                line
                for line in (root / FR).read_text("utf-8").splitlines()
                if not line.startswith("product.badge.refurbished:")
            )
            + "\n",
            encoding="utf-8",
        ),
        True,
        "MKT501",
    ),
    (
        "a shared catalogue stops loading (every market on the layer)",
        lambda root: (root / FR).write_text("[\n", encoding="utf-8"),
        False,
        "MKT001",
    ),
    (
        "a market's tax rate leaves its law",
        lambda root: _replace_first(root / "markets/jp/tax.yaml", "percent: 5\n", "percent: 6\n"),
        True,
        None,
    ),
    (
        "a market drops a locale",
        lambda root: edit(
            root / "markets/ca/market.yaml", "locales: [en-CA, fr-CA]", "locales: [en-CA]"
        ),
        True,
        None,
    ),
    (
        "a market leaves its region",
        lambda root: edit(root / "markets/se/market.yaml", "region: eu", "region: nowhere"),
        True,
        "MKT011",
    ),
    (
        "a file is added",
        lambda root: (root / "markets/jp/messages/ja-JP.yaml").write_text(
            (root / JA).read_text("utf-8"), encoding="utf-8"
        ),
        False,
        None,
    ),
    (
        "a file is removed",
        lambda root: (root / "markets/jp/messages/ja-JP.yaml").unlink(),
        False,
        None,
    ),
    (
        "a region's file changes (most markets are on it)",
        lambda root: _replace_first(root / "markets/_regions/eu/warranty.yaml", "\n", "\n# x\n"),
        False,
        None,
    ),
    (
        "an environment changes",
        lambda root: _replace_first(
            root / "markets/_environments/staging.yaml", "percent: 100", "percent: 50"
        ),
        False,
        None,
    ),
]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _replace_first(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_each_edit_redone_in_part_equals_a_full_run(tree: Path) -> None:
    units = _full(tree)
    assert _redone(tree, units) is not None and _redone(tree, units) == units  # nothing changed
    seen: set[str] = set()
    for name, change, in_part, code in STEPS:
        change(tree)
        full = _full(tree)
        redone = _redone(tree, units)
        if in_part:
            assert redone is not None, f"{name}: not redone in part"
        if redone is not None:
            for part in full:
                assert redone[part] == full[part], f"{name}: {part} differs from a full run"
        if code is not None:
            assert code in _codes(full), f"{name}: the edit does not bring {code}"
        seen |= _codes(full)
        units = full
    assert {"MKT001", "MKT101", "MKT501", "MKT502", "MKT503", "MKT504", "MKT011", "MKT401"} <= seen


def test_units_that_do_not_decode_are_a_full_run(tree: Path) -> None:
    units = _full(tree)
    edit(tree / FR_CA, '"Remis à neuf"', '"Remis {à neuf"')
    for damage in (
        lambda u: u.pop("schema"),
        lambda u: u["markets"].update(ca=[["MKT501", "fatal", "x", 1, 1, "m", "", None]]),
        lambda u: u["shared"].update(x=[["one", ["MKT503", "error", "x", 1, 1, "m", "", None]]]),
        lambda u: u.update(files=[]),
    ):
        damaged = copy.deepcopy(units)
        damage(damaged)
        assert _redone(tree, damaged) is None


def _run(root: Path, *args: str, cache_home: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "MARKETCTL_NO_CACHE"}
    env["MARKETCTL_TODAY"] = "2026-11-30"
    env["XDG_CACHE_HOME"] = str(cache_home)
    command = [sys.executable, "-m", "marketctl", "--root", str(root), "validate", *args]
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    assert done.stderr == b""
    return done.returncode, done.stdout.decode("utf-8")


def test_the_cli_prints_the_same_report_with_and_without_the_units(
    tree: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home-cache"
    units_file = tree / ".marketctl-cache/v1/findings.units"

    def same(*args: str) -> tuple[int, str]:
        cached = _run(tree, "--format", "json", *args, cache_home=home)
        fresh = _run(tree, "--format", "json", "--no-cache", *args, cache_home=home)
        assert cached == fresh
        return cached

    clean = same()
    assert units_file.exists() and (home / "marketctl/seal.key").stat().st_mode & 0o077 == 0
    edit(tree / FR_CA, '"Remis à neuf"', '"Remis {à neuf"')
    broken = same()
    assert broken[0] == 1 and "MKT503" in broken[1]
    assert json.loads(units_file.read_text("utf-8"))["key"]
    # Settings are read after the units: --select over stored findings is the same report.
    narrowed = same("--select", "MKT1")
    assert narrowed[0] == 1 and narrowed[1] != broken[1]  # MKT503 still stops it
    edit(tree / FR_CA, '"Remis {à neuf"', '"Remis à neuf"')
    assert same() == clean

    # A units file sealed under another key (another machine's, or one planted in a pull
    # request that hides the error) is ignored.
    edit(tree / FR_CA, '"Remis à neuf"', '"Remis {à neuf"')
    entry = json.loads(units_file.read_text("utf-8"))
    units = json.loads(entry["units"])
    units["files"][FR_CA] = "0" * 64  # as if the broken text were what was validated
    entry["units"] = json.dumps(units)
    units_file.write_text(json.dumps(entry), encoding="utf-8")
    assert same() == broken
    units_file.write_text("{", encoding="utf-8")
    assert same() == broken
