"""Release numbers that only increase (issue 23.1): build assigns them from the set it
replaces, never from a clock; a service records the highest it accepted and refuses lower ones
across restarts; a rollback on purpose is a new, higher release; production needs a key."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clitools import edit, invoke
from marketctl import runtime


def _release(dist: Path) -> int:
    number: int = json.loads((dist / "manifest.json").read_text())["release"]
    return number


def _build(capsys: pytest.CaptureFixture[str], repo: Path, out: Path, *extra: str) -> None:
    outcome = invoke(capsys, repo, "build", "-o", str(out), *extra)
    assert outcome.code == 0, outcome.err


def test_each_build_raises_the_release_whatever_the_clock(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # the same time for every build
    out = tmp_path / "dist"
    _build(capsys, repo, out)
    assert _release(out) == 1
    _build(capsys, repo, out)
    assert _release(out) == 2
    _build(capsys, repo, out, "--release", "10")
    assert _release(out) == 10

    refused = invoke(capsys, repo, "build", "-o", str(out), "--release", "10")
    assert refused.code == 1
    assert refused.err == (
        f"Error: release 10 is not higher than release 10 in {out}: services that accepted it "
        "would refuse this set\n  give --release 11 or higher, or leave --release out\n"
    )
    assert _release(out) == 10


def test_a_restarted_service_refuses_an_older_release(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, state = tmp_path / "dist", tmp_path / "state"
    _build(capsys, repo, out)
    shutil.copytree(out, tmp_path / "release-1")
    edit(repo / "markets/jp/market.yaml", "name: Japan", "name: Nippon")
    _build(capsys, repo, out)
    assert runtime.load(out, state_dir=state, insecure=True).release == 2

    # The old release put back in place (a replayed publish): a new process refuses it.
    shutil.rmtree(out)
    shutil.copytree(tmp_path / "release-1", out)
    program = (
        "import sys\nfrom marketctl import runtime\n"
        "try:\n    runtime.load(sys.argv[1], state_dir=sys.argv[2], insecure=True)\n"
        "except runtime.BundleError as error:\n    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, str(out), str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (recorded,) = state.iterdir()
    assert result.stdout == (
        f"{out}/manifest.json: release 1 is older than release 2, which this service accepted "
        f"before (recorded in {recorded}): a replayed release or a stale cache; to go back on "
        "purpose, publish a new release with the old content (marketctl release rollback)\n"
    )
    # Without the state folder only a running process protects itself: this is why it exists.
    assert runtime.load(out, insecure=True).release == 1


def test_rollback_is_a_new_higher_release_with_the_old_content(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, state, old = tmp_path / "dist", tmp_path / "state", tmp_path / "release-1"
    _build(capsys, repo, out)
    shutil.copytree(out, old)
    edit(repo / "markets/jp/market.yaml", "name: Japan", "name: Nippon")
    _build(capsys, repo, out)
    markets = runtime.load(out, state_dir=state, insecure=True)
    assert markets["jp"].name == "Nippon"

    done = invoke(capsys, repo, "release", "rollback", str(old), "-o", str(out))
    assert done.code == 0, done.err
    assert done.out == f"release 3 in {out}: the content of release 1 from {old}\n"
    assert (out / "jp.json").read_bytes() == (old / "jp.json").read_bytes()
    assert markets.reload() is True
    assert (markets.release, markets["jp"].name) == (3, "Japan")
    assert runtime.load(out, state_dir=state, insecure=True).release == 3


def test_production_requires_a_trusted_key_unless_told(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _build(capsys, repo, out, "--env", "production", "--allow-dirty")
    with pytest.raises(runtime.BundleError) as refused:
        runtime.load(out, env="production")
    assert str(refused.value) == (
        "trust: env='production' loads only sets signed by a trusted key: pass trust=[public "
        "key], or insecure=True to load unsigned sets on purpose"
    )
    assert runtime.load(out, env="production", insecure=True).environment == "production"


def test_a_damaged_state_file_is_a_bundle_error(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, state = tmp_path / "dist", tmp_path / "state"
    _build(capsys, repo, out)
    runtime.load(out, state_dir=state, insecure=True)
    (recorded,) = state.iterdir()
    recorded.write_text("[" * 100 + "]" * 100)
    with pytest.raises(runtime.BundleError) as damaged:
        runtime.load(out, state_dir=state, insecure=True)
    assert str(damaged.value) == (
        f"{recorded}: nests deeper than 1 levels; delete the file to accept any release again "
        "(this gives up rollback protection until the next release is accepted)"
    )
