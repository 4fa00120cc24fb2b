"""``validate --select`` of rules that read no message catalogue reads none where the unit store
holds every catalogue its markets read as it is now (issue 11), and is a full run otherwise, so
it keeps the gate of issue 10 and checks every file its markets read (issue 20)."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, invoke
from marketctl.repository import cache, loading

JA = "markets/jp/messages/ja.yaml"
ROLLOUT = "markets/jp/rollout.yaml"


def _validate(root: Path, home: Path, *args: str) -> tuple[int, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k != "MARKETCTL_NO_CACHE"}
    env["MARKETCTL_TODAY"] = "2026-11-30"
    env["XDG_CACHE_HOME"] = str(home)
    command = [sys.executable, "-m", "marketctl", "--root", str(root), "validate"]
    done = subprocess.run(
        [*command, "--format", "json", *args], capture_output=True, env=env, check=False
    )
    assert done.stderr == b""
    return done.returncode, json.loads(done.stdout)


def _break_rollout(root: Path) -> None:
    """Two steps out of order: MKT602, an error build refuses."""
    edit(
        root / ROLLOUT, "{at: 2027-01-15T09:00, percent: 50}", "{at: 2026-11-15T09:00, percent: 50}"
    )


def test_select_of_rollout_rules_reads_no_catalogue_the_store_vouches_for(
    repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MARKETCTL_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    # The seal key is read once per process: this test's own, undone after it.
    monkeypatch.setattr(
        cache, "_seal_key_and_note", functools.cache(cache._seal_key_and_note.__wrapped__)
    )
    monkeypatch.setenv("MARKETCTL_TODAY", "2026-11-30")
    _break_rollout(repo)
    assert invoke(capsys, repo, "validate").code == 1  # a full run: stores the units
    read: list[str] = []
    original = loading.load_document

    def recording(path: str, raw: bytes) -> Any:
        read.append(path)
        return original(path, raw)

    monkeypatch.setattr(loading, "load_document", recording)

    outcome = invoke(capsys, repo, "validate", "--select", "MKT6", "--format", "json")

    assert read and not [path for path in read if "/messages/" in path]
    assert outcome.code == 1
    assert [f["code"] for f in json.loads(outcome.out)["findings"]] == ["MKT602"]

    read.clear()
    invoke(capsys, repo, "validate", "--select", "MKT5", "--no-cache")  # reads catalogues
    assert any("/messages/" in path for path in read)


def test_a_select_without_a_stored_run_checks_every_catalogue_its_markets_read(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20: no --select passes a catalogue nobody checked (the suite runs without cache)."""
    _break_rollout(repo)
    (repo / JA).write_text("this: [is not, yaml\n", encoding="utf-8")

    outcome = invoke(capsys, repo, "validate", "--select", "MKT6", "jp", "--format", "json")

    assert outcome.code == 1
    document = json.loads(outcome.out)
    assert document["findings"] == []  # a market with a file that does not load is not judged
    assert [(s["code"], s["file"], s["line"]) for s in document["stopping"]] == [("MKT001", JA, 2)]
    # Sweden does not read ja.yaml: its selected run passes.
    assert invoke(capsys, repo, "validate", "--select", "MKT6", "se").code == 0


def test_narrowed_findings_are_the_full_runs_and_stored_catalogues_keep_the_gate(
    repo: Path, tmp_path: Path
) -> None:
    home = tmp_path / "cache-home"
    _break_rollout(repo)
    edit(repo / "markets/ca/messages/fr-CA.yaml", '"Remis à neuf"', '"Remis {à neuf"')

    code, full = _validate(repo, home)  # a full run: stores the units
    assert code == 1
    full_rollout = [f for f in full["findings"] if f["code"].startswith("MKT6")]
    assert [f["code"] for f in full_rollout] == ["MKT602"]

    code, narrowed = _validate(repo, home, "--select", "MKT6")
    assert code == 1
    assert narrowed["findings"] == full_rollout
    # The catalogue error is stored with its catalogue unchanged: validate still fails on it.
    assert [s["code"] for s in narrowed["stopping"]] == ["MKT503"]

    # Changed since: the store cannot vouch for it, so the run reads it, as a full run does.
    edit(repo / "markets/ca/messages/fr-CA.yaml", '"Remis {à neuf"', '"Remis {{à neuf"')
    code, after = _validate(repo, home, "--select", "MKT6")
    assert code == 1
    assert after["findings"] == full_rollout
    assert [(s["code"], s["file"]) for s in after["stopping"]] == [
        ("MKT503", "markets/ca/messages/fr-CA.yaml")
    ]
    # A market that does not read fr-CA.yaml is not held up by it.
    code, japan = _validate(repo, home, "--select", "MKT6", "jp")
    assert (code, japan["stopping"]) == (1, [])
    assert [f["code"] for f in japan["findings"]] == ["MKT602"]
    code, sweden = _validate(repo, home, "--select", "MKT6", "se")
    assert (code, sweden["findings"], sweden["stopping"]) == (0, [], [])

    # Without the store the same.
    code, cold = _validate(repo, home, "--select", "MKT6", "--no-cache")
    assert cold == after
