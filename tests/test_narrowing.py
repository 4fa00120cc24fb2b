"""``validate --select`` of rules that read no message catalogue reads none (issue 11), and keeps
the gate of issue 10 for every catalogue the unit store holds as it is now."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, invoke
from marketctl.repository import loading

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


def test_select_of_rollout_rules_reads_no_catalogue(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    original = loading.load_document

    def recording(path: str, raw: bytes) -> Any:
        read.append(path)
        return original(path, raw)

    monkeypatch.setattr(loading, "load_document", recording)
    _break_rollout(repo)
    (repo / JA).write_text("this: [is not, yaml\n", encoding="utf-8")

    outcome = invoke(capsys, repo, "validate", "--select", "MKT6")

    assert read and not [path for path in read if "/messages/" in path]
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    assert any("MKT602 error" in line for line in lines)
    assert not any("MKT001" in line for line in lines)  # the broken catalogue was not read
    assert "Not checked: --select needs no message catalogue" in outcome.out
    assert f"{JA}" in outcome.out or "... (" in outcome.out

    read.clear()
    invoke(capsys, repo, "validate", "--select", "MKT5")  # reads catalogues: not narrowed
    assert any("/messages/" in path for path in read)


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
    assert "unread" not in narrowed

    # Changed since: not read, and listed as not checked (with the markets it touches).
    edit(repo / "markets/ca/messages/fr-CA.yaml", '"Remis {à neuf"', '"Remis {{à neuf"')
    code, after = _validate(repo, home, "--select", "MKT6")
    assert after["findings"] == full_rollout and after["stopping"] == []
    assert {"file": "markets/ca/messages/fr-CA.yaml", "why": "changed since the last full run"} in (
        after["unread"]
    )
    assert any(
        entry["file"] == "markets/ca" and "MKT501" in entry["why"] for entry in after["unread"]
    )

    # Without the store nothing vouches for any catalogue.
    code, cold = _validate(repo, home, "--select", "MKT6", "--no-cache")
    assert cold["findings"] == full_rollout
    assert all("cache is off" in e["why"] or "MKT501" in e["why"] for e in cold["unread"])
    assert {e["file"] for e in cold["unread"]} >= {JA, "markets/_defaults/messages/sv.yaml"}


def test_the_unread_list_fits_the_output_schema(repo: Path, tmp_path: Path) -> None:
    import jsonschema

    from conftest import REPOSITORY

    schema = json.loads((REPOSITORY / "schemas/validate.output.schema.json").read_text("utf-8"))
    _, cold = _validate(repo, tmp_path / "cache-home", "--select", "MKT6", "--no-cache")
    assert cold["unread"]
    jsonschema.validate(cold, schema)
