"""Compatibility across versions (issue 23.6): a bundle lists the capabilities a runtime must
understand to read it; a runtime refuses what it does not know, and the previous released
runtime (built from git history) refuses a set of this format instead of misreading it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from clitools import edit, invoke
from marketctl import runtime
from marketctl.testing import edit_bundle

REPOSITORY = Path(__file__).resolve().parents[2]


def _build_with_v3(repo: Path, capsys: pytest.CaptureFixture[str], out: Path) -> None:
    edit(
        repo / "markets/_defaults/features.yaml",
        "    requires: [instant_quote]\n",
        "    requires: [instant_quote]\n    bucketing: flagd-fractional-v3\n",
    )
    assert invoke(capsys, repo, "build", "-o", str(out), "jp", "se").code == 0


def test_bundles_and_manifest_list_their_capabilities(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _build_with_v3(repo, capsys, out)
    manifest = json.loads((out / "manifest.json").read_text())
    both = ["bucketing:flagd-fractional-v2", "bucketing:flagd-fractional-v3"]
    assert manifest["capabilities"] == both
    assert json.loads((out / "jp.json").read_text())["capabilities"] == both
    assert manifest["bundles"]["jp"]["capabilities"] == both


def test_an_unknown_capability_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _build_with_v3(repo, capsys, out)
    edit_bundle(out, "jp", lambda bundle: bundle["capabilities"].append("bucketing:flagd-v9"))
    with pytest.raises(runtime.BundleError) as refused:
        runtime.load(out, insecure=True)
    assert str(refused.value) == (
        f"{out}/jp.json: needs bucketing:flagd-v9, which this runtime does not know (it knows "
        "bucketing:flagd-fractional-v2, bucketing:flagd-fractional-v3); upgrade marketctl in "
        "the service rather than misread the set"
    )


def _previous_runtime(tmp_path: Path) -> Path:
    """The source tree of the last commit whose runtime read only format 1 (before release
    numbers and capabilities), extracted with git archive."""
    if not (REPOSITORY / ".git").exists():
        pytest.fail("this test needs the git history of the marketctl repository")
    changed = subprocess.run(
        [
            "git",
            "log",
            "-1",
            "--format=%H",
            "-G",
            r"frozenset\(\{1\}\)",
            "--",
            "src/marketctl/runtime/_bundles.py",
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", f"{changed}^", "src/marketctl", "schemas"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout
    target = tmp_path / "previous"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def test_the_previous_runtime_refuses_instead_of_misreading(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """That runtime knows no capabilities and reads a bucketing v3 feature with v2 when the
    set is format 1; it refuses this set for its format version."""
    out = tmp_path / "dist"
    _build_with_v3(repo, capsys, out)
    previous = _previous_runtime(tmp_path)
    program = (
        "import sys\nimport marketctl.runtime._bundles as b\n"
        "assert b.__file__.startswith(sys.argv[2]), b.__file__\n"
        "from marketctl import runtime\n"
        "try:\n    runtime.load(sys.argv[1])\nexcept runtime.BundleError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, str(out), str(previous)],
        env={"PYTHONPATH": str(previous / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stderr == ""
    assert result.stdout == (
        f"{out}/manifest.json: format version 2 is not supported by this runtime (it reads "
        "version 1); upgrade marketctl, or build with the version the service uses\n"
    )
