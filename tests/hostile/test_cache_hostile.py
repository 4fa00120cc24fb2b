"""A hostile report cache (issue 22): whatever a pull request commits under .marketctl-cache/,
and whatever stands where the seal key should be, validate prints the report it prints without
the cache, exits 0 or 1, and says once on stderr what it ignored; in bounded time and memory,
writing nothing outside the repository and nothing through a link."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.clitools import Outcome, invoke
from tests.conftest import copy_markets
from tests.hostile.conftest import Bounded

from marketctl.repository import cache as cache_module

HINT = "delete .marketctl-cache (it is rebuilt)"
UNITS = ".marketctl-cache/v1/findings.units"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The reference markets, with the cache on and this test's own seal key folder."""
    monkeypatch.delenv("MARKETCTL_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setenv("MARKETCTL_TODAY", "2026-11-30")
    cache_module._seal_key_and_note.cache_clear()
    yield copy_markets(tmp_path / "config")
    cache_module._seal_key_and_note.cache_clear()


def _validate(capsys: pytest.CaptureFixture[str], bounded: Bounded, root: Path) -> Outcome:
    with bounded(3, 200):
        return invoke(capsys, root, "validate")


def _fresh(capsys: pytest.CaptureFixture[str], root: Path) -> str:
    outcome = invoke(capsys, root, "validate", "--no-cache")
    assert (outcome.code, outcome.err) == (0, "")
    return outcome.out


def _report_entries(root: Path) -> list[Path]:
    return sorted((root / ".marketctl-cache/v1").glob("??/*.json"))


def _only_units(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    """A cached run, then its report entry removed: the next run reads the unit store."""
    assert invoke(capsys, root, "validate").code == 0
    for entry in _report_entries(root):
        entry.unlink()
    assert (root / UNITS).is_file()


def test_units_linked_to_dev_zero_are_ignored_and_rebuilt(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    expected = _fresh(capsys, config)
    _only_units(capsys, config)
    (config / UNITS).unlink()
    (config / UNITS).symlink_to("/dev/zero")
    outcome = _validate(capsys, bounded, config)
    assert (outcome.code, outcome.out) == (0, expected)
    assert outcome.err == f"note: ignored {UNITS}: it is a link, not a file; {HINT}\n"
    assert not (config / UNITS).is_symlink() and (config / UNITS).is_file()  # rebuilt
    assert invoke(capsys, config, "validate") == Outcome(0, expected, "")


def test_units_as_a_fifo_are_ignored_without_blocking(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    expected = _fresh(capsys, config)
    _only_units(capsys, config)
    (config / UNITS).unlink()
    os.mkfifo(config / UNITS)
    outcome = _validate(capsys, bounded, config)
    assert (outcome.code, outcome.out) == (0, expected)
    assert outcome.err == f"note: ignored {UNITS}: it is a FIFO, not a file; {HINT}\n"
    assert (config / UNITS).is_file()


def test_a_deeply_nested_entry_is_ignored(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    expected = _fresh(capsys, config)
    assert invoke(capsys, config, "validate").code == 0
    (entry,) = _report_entries(config)
    entry.write_text("[" * 200_000 + "]" * 200_000, encoding="ascii")
    outcome = _validate(capsys, bounded, config)
    assert (outcome.code, outcome.out) == (0, expected)
    shown = entry.relative_to(config).as_posix()
    assert outcome.err == f"note: ignored {shown}: nested more than 64 deep; {HINT}\n"


def test_deeply_nested_units_are_ignored(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    expected = _fresh(capsys, config)
    _only_units(capsys, config)
    (config / UNITS).write_text('{"units": ' + "[" * 100_000, encoding="ascii")
    outcome = _validate(capsys, bounded, config)
    assert (outcome.code, outcome.out) == (0, expected)
    assert outcome.err == f"note: ignored {UNITS}: nested more than 64 deep; {HINT}\n"


def test_an_entry_beyond_the_size_limit_is_not_read(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    expected = _fresh(capsys, config)
    _only_units(capsys, config)
    os.truncate(config / UNITS, 10 * 2**30)  # sparse: 10 GiB of NULs, no disk
    outcome = _validate(capsys, bounded, config)
    assert (outcome.code, outcome.out) == (0, expected)
    assert outcome.err == (
        f"note: ignored {UNITS}: 10737418240 bytes, more than the 33554432 of an entry; {HINT}\n"
    )
    assert (config / UNITS).stat().st_size < 2**20  # rebuilt


def test_a_linked_cache_folder_writes_nothing_outside(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path, tmp_path: Path
) -> None:
    expected = _fresh(capsys, config)
    outside = tmp_path / "outside"
    outside.mkdir()
    (config / ".marketctl-cache").symlink_to(outside)
    for _ in range(2):
        outcome = _validate(capsys, bounded, config)
        assert (outcome.code, outcome.out) == (0, expected)
        assert outcome.err == (
            f"note: the cache is off: .marketctl-cache is a link, not a folder; {HINT}\n"
        )
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("inside", ["v1", ".gitignore", "v1/findings.units"])
def test_links_inside_the_cache_are_never_written_through(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path, inside: str
) -> None:
    expected = _fresh(capsys, config)
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "target"
    if inside == "v1":
        target.mkdir()
    link = config / ".marketctl-cache" / inside
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    outcome = invoke(capsys, config, "validate")
    assert (outcome.code, outcome.out) == (0, expected)
    if inside == "v1":
        assert outcome.err == (
            f"note: ignored .marketctl-cache/v1: it is a link, not a folder; {HINT}\n"
        )
        assert list(target.iterdir()) == []
    else:
        if inside == ".gitignore":
            assert outcome.err == ""  # made, never read
        else:
            assert outcome.err == (
                f"note: ignored .marketctl-cache/{inside}: it is a link, not a file; {HINT}\n"
            )
        assert not target.exists()
        assert not (config / ".marketctl-cache" / inside).is_symlink()


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_a_hostile_seal_key_is_replaced(
    capsys: pytest.CaptureFixture[str],
    bounded: Bounded,
    config: Path,
    tmp_path: Path,
    kind: str,
) -> None:
    expected = _fresh(capsys, config)
    key = tmp_path / "user-cache/marketctl/seal.key"
    key.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(key)
        what = "it is a FIFO, not a file"
    else:
        key.symlink_to("/dev/zero")
        what = "it is a link, not a file (Too many levels of symbolic links)"
    outcome = _validate(capsys, bounded, config)
    assert (outcome.code, outcome.out) == (0, expected)
    assert outcome.err == f"note: replaced the cache's seal key {key}: {what}\n"
    assert not key.is_symlink() and key.is_file() and key.stat().st_size == 32
    assert len(_report_entries(config)) == 1  # the cache works with the new key


def test_a_cache_committed_to_git_is_ignored(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    expected = _fresh(capsys, config)
    assert invoke(capsys, config, "validate").code == 0
    (entry,) = _report_entries(config)
    entry.write_text('{"planted": true}', encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(config)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "with a cache"], check=True)
    before = {
        path: path.read_bytes()
        for path in (config / ".marketctl-cache").rglob("*")
        if path.is_file()
    }
    outcome = invoke(capsys, config, "validate")
    assert (outcome.code, outcome.out) == (0, expected)
    assert outcome.err == (
        "note: the cache is off: .marketctl-cache is committed to git; remove it from the "
        "repository (git rm -r --cached .marketctl-cache)\n"
    )
    after = {
        path: path.read_bytes()
        for path in (config / ".marketctl-cache").rglob("*")
        if path.is_file()
    }
    assert after == before  # neither read nor written


def test_a_huge_market_file_is_refused_before_it_is_hashed(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    """`truncate -s 10G markets/se/tax.yaml; marketctl validate` with the cache on: MKT009,
    from a stat, not a 10 GB read (it was a MemoryError, exit 3)."""
    os.truncate(config / "markets/se/tax.yaml", 10 * 2**30)
    for _ in range(2):  # computed, then from the cache
        with bounded(3, 200):
            outcome = invoke(capsys, config, "validate", "--format", "json")
        assert outcome.code == 1 and outcome.err == ""
        assert (
            '"message": "file is 10737418240 bytes, more than the 2097152 a market file may have"'
        ) in outcome.out
    assert len(_report_entries(config)) == 1


def test_a_huge_pyproject_is_a_finding_not_a_read(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    settings = config / "pyproject.toml"
    settings.write_text("[tool.marketctl]\n", encoding="utf-8")
    os.truncate(settings, 10 * 2**30)
    with bounded(3, 200):
        outcome = invoke(capsys, config, "validate")
    assert outcome.code == 1 and outcome.err == ""
    assert outcome.out.startswith(
        "pyproject.toml:1:1: MKT022 error: cannot read pyproject.toml: file is 10737418240 "
        "bytes, more than the 2097152 a market file may have\n"
        "    hint: split it, or check that it is the file you meant to commit\n"
    )


def test_an_entry_holding_a_lone_surrogate_is_not_trusted(
    capsys: pytest.CaptureFixture[str], bounded: Bounded, config: Path
) -> None:
    # JSON can spell a lone surrogate; sealing it once raised UnicodeEncodeError (the fuzzer's
    # find). Such an entry was never sealed by marketctl: it fails the seal and is redone.
    expected = _fresh(capsys, config)
    assert invoke(capsys, config, "validate").code == 0
    (entry,) = _report_entries(config)
    stored = json.loads(entry.read_text(encoding="utf-8"))
    stored["output"] = "\ud800"
    entry.write_text(json.dumps(stored), encoding="utf-8")
    outcome = _validate(capsys, bounded, config)
    assert (outcome.code, outcome.out) == (0, expected)
