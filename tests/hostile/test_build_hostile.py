"""Builds recover (issue 13): stale staging or previous sets, an output that cannot be
changed, a missing lock: a clear message or a build that cleans up, never exit 3."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.clitools import invoke

CHATTR = shutil.which("chattr")


def _immutable(path: Path, on: bool) -> bool:
    if CHATTR is None:
        return False
    flag = "+i" if on else "-i"
    return subprocess.run([CHATTR, flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def frozen() -> Iterator[list[Path]]:
    """Paths made immutable by a test, made mutable again afterwards (tmp_path cleanup)."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        _immutable(path, False)


def _build(capsys: pytest.CaptureFixture[str], repo: Path) -> tuple[int, str]:
    outcome = invoke(capsys, repo, "build", "-o", str(repo / "dist"))
    return outcome.code, outcome.err


def test_previous_set_that_cannot_be_removed(
    capsys: pytest.CaptureFixture[str], repo: Path, frozen: list[Path]
) -> None:
    assert _build(capsys, repo)[0] == 0
    assert _build(capsys, repo)[0] == 0
    previous = repo / ".dist.previous"
    assert previous.is_dir()
    if not _immutable(previous, True):
        pytest.skip("chattr +i is not available here")
    frozen.append(previous)
    for _ in range(2):  # and again on the next build
        code, err = _build(capsys, repo)
        assert (code, "Traceback" in err, "internal error" in err) == (0, False, False)
        manifest = json.loads((repo / "dist/manifest.json").read_text(encoding="utf-8"))
        assert {"ca", "jp", "se"} <= set(manifest["bundles"])
    assert [p.name for p in repo.glob(".dist.new-*")] == []


def test_stale_staging_sets_are_cleaned_up(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    for name in (".dist.new-abc123", ".dist.old-def456"):
        stale = repo / name
        (stale / "sub").mkdir(parents=True)
        (stale / "sub/jp.json").write_text("{}", encoding="utf-8")
        (stale / "sub").chmod(0o500)
        stale.chmod(0o500)
    assert _build(capsys, repo)[0] == 0
    assert sorted(p.name for p in repo.glob(".dist.*")) == [".dist.lock"]


def test_output_that_cannot_be_replaced_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], repo: Path, frozen: list[Path]
) -> None:
    assert _build(capsys, repo)[0] == 0
    if not _immutable(repo / "dist", True):
        pytest.skip("chattr +i is not available here")
    frozen.append(repo / "dist")
    code, err = _build(capsys, repo)
    assert code == 1
    assert err.startswith(f"Error: cannot write {repo / 'dist'}: Operation not permitted")
    assert "internal error" not in err
    _immutable(repo / "dist", False)
    assert _build(capsys, repo)[0] == 0


def test_missing_lock_file(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    assert _build(capsys, repo)[0] == 0
    (repo / ".dist.lock").unlink()
    assert _build(capsys, repo)[0] == 0
    assert (repo / ".dist.lock").exists()
