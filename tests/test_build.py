from __future__ import annotations

import json
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from clitools import edit, invoke, line_of
from marketctl.commands.build import Revision, source_revision, write_directory

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        text=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_AUTHOR_DATE": "2026-11-01T12:00:00Z",
            "GIT_COMMITTER_DATE": "2026-11-01T12:00:00Z",
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        },
    )
    return result.stdout.strip()


def _build(capsys: pytest.CaptureFixture[str], repo: Path, out: Path, *args: str) -> None:
    outcome = invoke(capsys, repo, "build", "-o", str(out), *args)
    assert outcome.code == 0, outcome.out + outcome.err


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_build_writes_a_bundle_per_market_and_a_manifest(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _build(capsys, repo, out)

    assert sorted(_files(out)) == ["ca.json", "jp.json", "manifest.json", "se.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == 2
    assert manifest["source"] == {
        "commit": None,
        "dirty": None,
        "built_at": None,
        "dirty_allowed": False,
    }
    assert manifest["environment"] is None
    assert manifest["withdrawn"] == []
    assert sorted(manifest["bundles"]) == ["ca", "jp", "se"]
    Draft202012Validator(json.loads((SCHEMAS / "manifest.schema.json").read_text())).validate(
        manifest
    )


def test_every_bundle_validates_against_the_published_schema(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _build(capsys, repo, out)
    validator = Draft202012Validator(json.loads((SCHEMAS / "bundle.schema.json").read_text()))

    for code in ("ca", "jp", "se"):
        bundle = json.loads((out / f"{code}.json").read_text(encoding="utf-8"))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(bundle)]
        assert errors == [], code


def test_builds_are_byte_identical(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _build(capsys, repo, tmp_path / "one")
    _build(capsys, repo, tmp_path / "two")

    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_changing_one_message_changes_one_bundle_and_the_manifest(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _build(capsys, repo, tmp_path / "before")
    edit(repo / "markets/jp/messages/ja.yaml", 'cart.title: "', 'cart.title: "🛒 ')
    _build(capsys, repo, tmp_path / "after")

    before, after = _files(tmp_path / "before"), _files(tmp_path / "after")
    assert sorted(name for name in before if before[name] != after[name]) == [
        "jp.json",
        "manifest.json",
    ]


def test_a_failed_build_writes_nothing_and_keeps_the_previous_output(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    _build(capsys, repo, out)
    previous = _files(out)
    edit(repo / "markets/se/market.yaml", "currency: SEK", "currency: 752")

    outcome = invoke(capsys, repo, "build", "-o", str(out))

    assert outcome.code == 1
    assert outcome.err == (
        "Error: validation found 1 error(s): nothing was built\n"
        "  fix the findings above, then build again\n"
    )
    assert "MKT101" in outcome.out
    assert _files(out) == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", "config", "dist"]


def test_replacing_the_output_is_one_swap_and_keeps_the_previous_set(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = {"a.json": b"1", "manifest.json": b'{"generator": {"name": "marketctl"}}'}
    second = {"b.json": b"2", "manifest.json": b'{"generator": {"name": "marketctl"}}'}
    write_directory(out, first)
    write_directory(out, second)

    assert _files(out) == second
    # The set replaced last stays beside it until the next build, for readers mid-load.
    assert _files(tmp_path / ".dist.previous") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", ".dist.previous", "dist"]


@pytest.mark.parametrize("target", [".", "markets", "markets/se", ".."])
def test_build_refuses_to_replace_the_repository(
    repo: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))

    outcome = invoke(capsys, repo, "build", "-o", str(repo / target))

    assert outcome.code == 1
    assert outcome.err == (
        f"Error: {repo / target} holds the markets themselves: a build replaces its output "
        "directory\n  write the bundles to a folder of their own, such as -o dist\n"
    )
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before


def test_build_refuses_a_folder_that_is_not_a_build(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me")

    outcome = invoke(capsys, repo, "build", "-o", str(notes))

    assert outcome.code == 1
    assert outcome.err == (
        f"Error: {notes} is not empty and is not a previous marketctl build\n"
        "  a build replaces its output directory whole: choose an empty or new folder\n"
    )
    assert (notes / "todo.txt").read_text() == "keep me"


def test_build_refuses_a_symbolic_link(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    release = tmp_path / "releases" / "r1"
    release.mkdir(parents=True)
    link = tmp_path / "dist"
    link.symlink_to(release)

    outcome = invoke(capsys, repo, "build", "-o", str(link))

    assert outcome.code == 1
    assert outcome.err.startswith(f"Error: {link} is a symbolic link\n")
    assert link.is_symlink() and list(release.iterdir()) == []


def test_leftovers_of_an_interrupted_build_are_cleaned(tmp_path: Path) -> None:
    stale = tmp_path / ".dist.new-abc123"
    stale.mkdir()
    (stale / "se.json").write_text("half")

    write_directory(tmp_path / "dist", {"manifest.json": b"{}"})

    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", "dist"]


def test_output_that_is_a_file_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "dist"
    target.write_text("not a directory")

    outcome = invoke(capsys, repo, "build", "-o", str(target))

    assert outcome.code == 2
    assert outcome.err.splitlines()[-1] == (
        f"Error: Invalid value for '-o' / '--output': Directory '{target}' is a file."
    )
    assert target.read_text() == "not a directory"


def test_manifest_records_the_commit_and_dirtiness(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "markets")
    commit = _git(repo, "rev-parse", "HEAD")

    _build(capsys, repo, tmp_path / "clean")
    clean = json.loads((tmp_path / "clean/manifest.json").read_text())
    assert clean["source"] == {
        "commit": commit,
        "dirty": False,
        "built_at": "2026-11-01T12:00:00Z",
        "dirty_allowed": False,
    }
    assert {entry["commit"] for entry in clean["bundles"].values()} == {commit}

    edit(repo / "markets/jp/messages/ja.yaml", 'cart.title: "', 'cart.title: "🛒 ')
    _build(capsys, repo, tmp_path / "dirty")
    dirty = json.loads((tmp_path / "dirty/manifest.json").read_text())
    assert dirty["source"] == {
        "commit": commit,
        "dirty": True,
        "built_at": None,
        "dirty_allowed": False,
    }


def test_source_date_epoch_sets_the_build_time(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    _build(capsys, repo, tmp_path / "dist")

    manifest = json.loads((tmp_path / "dist/manifest.json").read_text())
    assert manifest["source"]["built_at"] == "2026-09-21T14:13:20Z"


def test_a_repository_without_commits_builds(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _git(repo, "init", "-q")
    _build(capsys, repo, tmp_path / "dist")

    manifest = json.loads((tmp_path / "dist/manifest.json").read_text())
    assert manifest["source"] == {
        "commit": None,
        "dirty": True,
        "built_at": None,
        "dirty_allowed": False,
    }


def test_the_commit_is_found_from_a_folder_below_the_work_tree(repo: Path, tmp_path: Path) -> None:
    """Outside any repository GitPython is not even imported; below a work tree the commit is
    read."""
    assert source_revision(repo) == Revision(None, None)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "markets")
    commit = _git(tmp_path, "rev-parse", "HEAD")
    assert source_revision(repo).commit == commit
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    assert source_revision(elsewhere) == Revision(None, None)


def test_build_named_markets_only(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _build(capsys, repo, tmp_path / "dist", "jp")

    assert sorted(_files(tmp_path / "dist")) == ["jp.json", "manifest.json"]


@pytest.mark.skipif(not hasattr(__import__("os"), "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_only_on_a_terminal(repo: Path, tmp_path: Path) -> None:
    import os
    import sys

    command = [sys.executable, "-m", "marketctl", "--root", str(repo), "build", "-o"]
    leader, follower = os.openpty()
    try:
        on_terminal = subprocess.run(
            [*command, str(tmp_path / "tty")], stderr=follower, stdout=subprocess.PIPE, check=True
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    piped = subprocess.run([*command, str(tmp_path / "pipe")], capture_output=True, check=True)

    assert b"compiling" in shown and b"100%" in shown
    assert piped.stderr == b""
    assert on_terminal.stdout == piped.stdout.replace(b"/pipe", b"/tty")


def test_ignored_errors_that_would_break_a_bundle_still_stop_the_build(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A step in Stockholm's spring-forward gap, silenced on its line: build cannot turn a time
    # that never happens into an instant, and validate fails on it too, saying why (issue 10).
    rollout = repo / "markets/se/rollout.yaml"
    edit(
        rollout,
        "- {at: 2025-10-01T08:00, percent: 25}",
        "- {at: 2026-03-29T02:30, percent: 25}  # marketctl: ignore[MKT605,MKT602]",
    )
    validated = invoke(capsys, repo, "validate", "se")
    assert validated.code == 1
    assert validated.out.splitlines()[0] == (
        "1 error that `marketctl build` would refuse, although the settings hide it:"
    )

    outcome = invoke(capsys, repo, "build", "se", "-o", str(tmp_path / "dist"))

    assert outcome.code == 1
    assert outcome.err == (
        "Error: 1 error(s) that a build cannot ignore: nothing was built\n"
        "  a bundle with these would be wrong or would not load; fix them (ignores and "
        "severity settings do not apply to them)\n"
    )
    assert outcome.out.startswith(f"markets/se/rollout.yaml:{line_of(rollout, '02:30')}:12: MKT605")
    assert not (tmp_path / "dist").exists()


def test_a_broken_message_never_reaches_a_bundle(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (repo / "pyproject.toml").write_text('[tool.marketctl]\nignore = ["MKT5"]\n')
    edit(
        repo / "markets/_defaults/messages/sv.yaml",
        "är tom} one {# vara} other {# varor}}",
        "är tom} one {# vara} other {# varor}",
    )

    outcome = invoke(capsys, repo, "build", "se", "-o", str(tmp_path / "dist"))

    assert outcome.code == 1
    assert outcome.err.startswith("Error: 1 error(s) that a build cannot ignore")
    assert "MKT503" in outcome.out


def test_an_ignored_plural_without_other_never_reaches_a_bundle(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The compiler holds every text to what the runtime accepts, also where it takes the
    verdict from the message rules' parse of the text rather than parsing it again."""
    (repo / "pyproject.toml").write_text('[tool.marketctl]\nignore = ["MKT5"]\n')
    edit(
        repo / "markets/_defaults/messages/sv.yaml",
        "är tom} one {# vara} other {# varor}}",
        "är tom} one {# vara}}",
    )

    outcome = invoke(capsys, repo, "build", "se", "-o", str(tmp_path / "dist"))

    assert outcome.code == 1
    assert outcome.err == (
        "Error: cannot compile market 'se': invalid ICU message: {count, plural} has no 'other' "
        "branch at position 0 in message 'cart.items'\n"
        "  run marketctl validate se; if it reports nothing, this is a bug in marketctl: please "
        "report it\n"
    )
    assert not (tmp_path / "dist").exists()


def test_the_compiler_parses_no_text_that_validation_parsed(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketctl.checks import messageformat
    from marketctl.runtime import icu, icusyntax

    parse = icusyntax.parse
    by_rules: list[str] = []
    by_compiler: list[str] = []

    def rules_parse(text: str) -> list[icusyntax.Node]:
        by_rules.append(text)
        return parse(text)

    def compiler_parse(text: str) -> list[icusyntax.Node]:
        by_compiler.append(text)
        return parse(text)

    # A run of its own: what earlier tests in this process parsed is not known.
    monkeypatch.setattr(messageformat, "_PARSED", {})
    monkeypatch.setattr(icu, "_VERDICTS", {})
    monkeypatch.setattr(icusyntax, "parse", rules_parse)
    monkeypatch.setattr(icu, "_parse", compiler_parse)

    _build(capsys, repo, tmp_path / "dist")
    assert len(set(by_rules)) > 100
    assert by_compiler == []

    _build(capsys, repo, tmp_path / "pseudo", "--pseudo")
    # Pseudo-translations are texts of the build's own, checked once each.
    messages = json.loads((tmp_path / "pseudo/se.json").read_text())["messages"]
    pseudo = {text for tag in ("en-XA", "ar-XB") for text in messages[tag]["messages"].values()}
    assert len(pseudo) > 100
    assert sorted(set(by_compiler)) == sorted(pseudo - set(by_rules))


def _json_dumps(value: object) -> bytes:
    """The bundle format as first written: json.dumps, keys sorted, one space a level."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _no_float(text: str) -> None:
    raise AssertionError(f"a float in a bundle: {text}")


def test_bundles_are_written_byte_for_byte_as_json_dumps_writes_them(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from marketctl.commands.bundle import serialize

    _build(capsys, repo, tmp_path / "dist", "--pseudo")
    for name, data in _files(tmp_path / "dist").items():
        assert data == _json_dumps(json.loads(data, parse_float=_no_float)), name
    hostile: dict[str, object] = {
        "text": '\x7f\x80\x9f\u2028\u2029\ud7ff\ue000\U0001f600 é \\ " / \t\n\r\b\f </script>',
        "keys": {"é": 1, "ÿ": 2, "\U0001f600": 3, "\uffff": 4, "": 0, "A": "x", "a": "y"},
        "empty": [{}, [], [[]], {"a": {}}],
        "deep": [[[[[[[[[[[[{"x": [1, -2, "3.5"]}]]]]]]]]]]]],
        "numbers": [0, -1, 2**63 - 1, -(2**63), 2**64, -(10**30), True, False, None, "9.975"],
        "floats": [1e-05, 1e16, 0.1, 2.0, -3.5e-7, 1.5e300, 123456789012345678.0],
    }
    cases: list[object] = [
        hostile,
        # Control characters are escaped by json.dumps in lower case (\u001f), and so is a text
        # that holds such an escape as letters.
        {**hostile, "control": "\x00\x01\x0b\x1b\x1f"},
        {**hostile, "letters": "\\u001F is not \\u001f"},
        # Keys that are not strings: json.dumps writes them as strings; tuples as arrays.
        {**hostile, "codes": {1: "a", 2: "b"}},
        {**hostile, "tuple": (1, "a")},
    ]
    for case in cases:
        assert serialize(case) == _json_dumps(case)  # type: ignore[arg-type]
    refused_alike: list[dict[Any, object]] = [
        {"x": Decimal("1.5")},
        {"x": float("nan")},
        {"x": float("-inf")},
        {"x": date(2026, 1, 1)},
        {"x": {1, 2}},
        {"x": b"bytes"},
        {"x": "\ud800"},  # a lone surrogate is no UTF-8
        {"x": 1, 2: "mixed keys do not sort"},
        {"x": (n for n in range(2))},
        {"x": iter("ab")},
    ]
    for refused in refused_alike:
        with pytest.raises((TypeError, ValueError)) as caught:
            _json_dumps(refused)
        with pytest.raises(type(caught.value)) as ours:
            serialize(refused)
        assert str(ours.value) == str(caught.value)
