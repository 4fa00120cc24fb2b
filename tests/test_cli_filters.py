"""Issue 10's list, one test each: rule filters that match nothing are usage errors, validate
fails on everything build would refuse, repeated findings are grouped, errors come first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clitools import edit, invoke, line_of


def test_select_matching_no_rule_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "validate", "--select", "XYZ")

    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err == (
        "Error: --select 'XYZ' matches no rule code\n"
        "  codes look like MKT301 or a prefix such as MKT3; `marketctl rules` lists them\n"
    )


def test_lower_case_select_suggests_the_code(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = invoke(capsys, repo, "validate", "--select", "mkt1")

    assert outcome.code == 2
    assert outcome.err == (
        "Error: --select 'mkt1' matches no rule code\n"
        "  did you mean 'MKT1'? (codes are upper case)\n"
    )


def test_a_typo_in_ignore_suggests_a_code(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, repo, "validate", "--ignore", "MKT5O1")

    assert outcome.code == 2
    assert outcome.err == (
        "Error: --ignore 'MKT5O1' matches no rule code\n"
        "  did you mean 'MKT501'? (codes are MKT and digits)\n"
    )


def test_comma_separated_select_takes_each_prefix(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / "markets/se/market.yaml", "currency: SEK", "curency: SEK")
    edit(repo / "markets/jp/market.yaml", "currency: JPY", "currency: JPX")

    outcome = invoke(capsys, repo, "validate", "--select", "MKT102,MKT202", "--format", "json")

    assert outcome.code == 1
    codes = [(f["code"], f["file"]) for f in json.loads(outcome.out)["findings"]]
    assert codes == [
        ("MKT202", "markets/jp/market.yaml"),
        ("MKT102", "markets/se/market.yaml"),
    ]


def test_pyproject_ignore_matching_no_rule_names_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.marketctl]\nignore = [\n  "MKT207",\n  "MKT999",\n]\n'
    )

    for command in ("validate", "build"):
        outcome = invoke(capsys, repo, command)
        assert outcome.code == 2
        assert outcome.err.splitlines()[0] == (
            "Error: pyproject.toml:7: [tool.marketctl] ignore 'MKT999' matches no rule code"
        )


def test_validate_fails_on_what_build_refuses_whatever_ignore_says(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market = repo / "markets/se/market.yaml"
    edit(market, "currency: SEK", "curency: SEK")
    (repo / "pyproject.toml").write_text('[tool.marketctl]\nignore = ["MKT1"]\n')
    line = line_of(market, "curency")

    validated = invoke(capsys, repo, "validate", "se")
    built = invoke(capsys, repo, "build", "se", "-o", str(repo / "out"))

    assert built.code == 1
    assert validated.code == 1
    why = (
        "      why: build refuses this error whatever ignore, select, severity or an inline "
        "ignore say: a bundle with it would be wrong or would not load"
    )
    assert validated.out.splitlines() == [
        "2 errors that `marketctl build` would refuse, although the settings hide them:",
        "  markets/se/market.yaml:2:1: MKT103 error: 'currency' is required in market.yaml",
        "      hint: add 'currency': ISO 4217 code of the currency prices are set and charged in.",
        why,
        f"  markets/se/market.yaml:{line}:1: MKT102 error: unknown key 'curency'",
        "      hint: did you mean 'currency'?",
        why,
        "0 errors (+2 that build refuses), 0 warnings in 1 market (se), 14 files",
    ]
    document = json.loads(invoke(capsys, repo, "validate", "se", "--format", "json").out)
    assert [(s["code"], s["line"]) for s in document["stopping"]] == [
        ("MKT103", 2),
        ("MKT102", line),
    ]


def test_errors_hidden_by_command_line_filters_still_fail(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / "markets/se/market.yaml", "currency: SEK", "currency: SEX")

    outcome = invoke(capsys, repo, "validate", "se", "--select", "MKT5")

    assert outcome.code == 1
    assert outcome.out.splitlines()[0] == (
        "1 error that `marketctl build` would refuse, although the settings hide it:"
    )
    assert outcome.out.splitlines()[-2] == (
        "      why: hidden by --select/--ignore, which build does not read: it refuses this"
    )


def _greek_like(repo: Path) -> None:
    """Sweden as a planned market whose Swedish catalogue has one message: every other key
    is missing (a warning for a planned market), all reported at the catalogue's first key."""
    edit(repo / "markets/se/market.yaml", "status: live", "status: planned")
    catalogue = repo / "markets/_defaults/messages/sv.yaml"
    header = catalogue.read_text(encoding="utf-8").splitlines()[:4]
    catalogue.write_text("\n".join([*header, 'product.badge.refurbished: "Renoverad"', ""]))


def test_repeated_findings_are_grouped_and_errors_print_first(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _greek_like(repo)
    edit(repo / "markets/se/market.yaml", "currency: SEK", "currency: SEX")
    total = len(
        [
            f
            for f in json.loads(invoke(capsys, repo, "validate", "se", "--format", "json").out)[
                "findings"
            ]
            if f["code"] == "MKT501"
        ]
    )
    assert total > 60

    lines = invoke(capsys, repo, "validate", "se").out.splitlines()

    assert lines[0].startswith("markets/se/market.yaml:")
    assert " MKT202 error: " in lines[0]
    first_warning = next(n for n, line in enumerate(lines) if " warning: " in line)
    assert all(" error: " not in line for line in lines[first_warning:])
    grouped = next(n for n, line in enumerate(lines) if " MKT501 " in line)
    assert grouped == first_warning  # markets/_defaults/messages/sv.yaml sorts before markets/se/
    assert lines[grouped].startswith("markets/_defaults/messages/sv.yaml:5:1: MKT501 warning: ")
    assert sum(1 for line in lines if " MKT501 warning: " in line) == 1
    assert lines[grouped + 2] == (
        f"    ... and {total - 1} more MKT501 warnings in this file ({total} in all); "
        "`marketctl validate se --select MKT501 --no-group` lists them"
    )
    every = invoke(capsys, repo, "validate", "se", "--select", "MKT501", "--no-group").out
    assert sum(1 for line in every.splitlines() if " MKT501 warning: " in line) == total


def test_build_prints_every_warning_grouped_as_validate_does(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _greek_like(repo)
    validated = invoke(capsys, repo, "validate", "-q").out

    outcome = invoke(capsys, repo, "build", "-o", str(repo / "out"))

    assert outcome.code == 0
    assert " MKT501 warning: " in validated
    assert (
        outcome.out == validated + "built 3 bundle(s) into " + str(repo / "out") + ": ca, jp, se\n"
    )


def test_a_refused_build_prints_its_warnings_too(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _greek_like(repo)
    edit(repo / "markets/se/market.yaml", "currency: SEK", "currency: SEX")
    validated = invoke(capsys, repo, "validate", "-q").out

    outcome = invoke(capsys, repo, "build", "-o", str(repo / "out"))

    assert outcome.code == 1
    assert " MKT202 error: " in validated and " MKT501 warning: " in validated
    assert outcome.out == validated
    assert not (repo / "out").exists()
