"""One CLI (issue 10): the same option names on every command, --root and --quiet anywhere on
the line, an example and the exit codes in every --help, unknown markets are usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from clitools import edit, invoke
from marketctl.cli import cli, run


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _leaves(command, (*prefix, name))
    return found


PATHS = _leaves(cli)
COMMANDS = [" ".join(path) for path in PATHS]


def _command(name: str) -> click.Command:
    command: click.Command = cli
    for part in name.split():
        assert isinstance(command, click.Group)
        command = command.commands[part]
    return command


def _options(command: click.Command) -> dict[str, click.Parameter]:
    return {name: param for param in command.params for name in param.opts}


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_takes_root_quiet_and_format(name: str) -> None:
    command = _command(name)
    options = _options(command)

    assert {"--root", "--quiet", "-q"} <= set(options), name
    if isinstance(command, click.Group):
        return
    choices = options["--format"].type
    assert isinstance(choices, click.Choice)
    # text first where people read the output; json on every command (flagd's is json).
    assert "json" in choices.choices
    assert next(iter(choices.choices)) == "text" or list(choices.choices) == ["json"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_help_has_an_example_and_the_exit_codes(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*name.split(), "--help"]) == 0
    text = capsys.readouterr().out

    examples = text.split("  Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.startswith(f"    marketctl {name}") for line in examples)
    assert text.rstrip().endswith(
        "  Exit codes:\n"
        "    0  clean (warnings allowed)\n"
        "    1  errors found, or a known failure (stderr says what to do)\n"
        "    2  usage error: unknown option, market or rule code\n"
        "    3  internal error: a bug in marketctl"
    )


def test_root_is_accepted_after_the_command(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no markets/ here or above: only --root can find them

    assert run(["validate", "se", "--root", str(repo), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["markets"] == ["se"]
    assert run(["translations", "--root", str(repo), "jp"]) == 0
    market, locale, translated, total, *_ = capsys.readouterr().out.splitlines()[1].split()
    assert (market, locale, translated) == ("jp", "ja-JP", total)


def test_the_last_root_given_wins(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--root", "/nonexistent", "validate", "--root", str(repo), "se"]) == 0
    assert run(["--root", str(repo), "validate", "--root", "/nonexistent", "se"]) == 1
    assert capsys.readouterr().err == (
        "Error: /nonexistent has no markets/ folder\n"
        "  pass the folder that holds markets/ to --root\n"
    )


def test_quiet_leaves_out_the_summary(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(capsys, repo, "validate", "se").out.startswith("0 errors, ")
    assert invoke(capsys, repo, "validate", "se", "--quiet").out == ""
    assert invoke(capsys, repo, "-q", "validate", "se").out == ""


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "zz"),
        ("build", "zz"),
        ("translations", "zz"),
        ("explain", "zz", "market.currency"),
    ],
)
def test_an_unknown_market_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    outcome = invoke(capsys, repo, *args)

    assert outcome.code == 2
    assert outcome.err == "Error: no market 'zz' in markets/\n  the markets are: ca, jp, se\n"


def test_an_unknown_rule_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, repo, "rules", "MKT31")

    assert (outcome.code, outcome.err) == (2, "Error: no rule MKT31\n  did you mean MKT331?\n")


def test_json_on_every_command(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    explained = json.loads(
        invoke(capsys, repo, "explain", "se", "market.currency", "--format", "json").out
    )
    assert explained["value"] == "SEK"
    assert explained["from"]["file"] == "markets/se/market.yaml"
    rule = json.loads(invoke(capsys, repo, "rules", "MKT301", "--format", "json").out)
    assert [r["code"] for r in rule["rules"]] == ["MKT301"]
    built = json.loads(
        invoke(capsys, repo, "build", "se", "-o", str(repo / "out"), "--format", "json").out
    )
    assert list(built["bundles"]) == ["se"]
    assert built["summary"]["errors"] == 0


def test_the_process_ends_with_its_whole_output_and_its_exit_code(repo: Path) -> None:
    """The console script ends the process without tearing Python down (cli.main): what it
    printed still arrives whole through a pipe, larger than a pipe's buffer, and its exit code
    is the command's. A reader that stops early ends it without a traceback."""
    import subprocess
    import sys
    from subprocess import PIPE

    command = [sys.executable, "-m", "marketctl", "--root", str(repo)]
    done = subprocess.run([*command, "rules", "--format", "json"], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 65536
    assert json.loads(done.stdout)
    edit(repo / "markets/jp/market.yaml", "currency: JPY", "currency: JPN")
    failed = subprocess.run([*command, "validate", "--format", "json"], capture_output=True)
    assert failed.returncode == 1
    assert any(f["code"] == "MKT202" for f in json.loads(failed.stdout)["findings"])
    with subprocess.Popen([*command, "rules", "--format", "json"], stdout=PIPE, stderr=PIPE) as one:
        assert one.stdout is not None and one.stderr is not None
        one.stdout.read(100)
        one.stdout.close()
        assert "Traceback" not in one.stderr.read().decode()
        assert one.wait() in (0, 1)
