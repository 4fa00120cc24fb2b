"""``marketctl test``: specs/*.yaml run against built bundles through the runtime."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from clitools import edit, invoke, line_of
from conftest import REFERENCE_MARKETS, copy_specs

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(repo: Path) -> Path:
    """The reference markets and their specs, free to break."""
    return copy_specs(repo)


def test_the_repository_specs_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Every market of the repository and every spec file, not only the reference markets.
    root = tmp_path / "repository"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    shutil.copytree(REPOSITORY / "specs", root / "specs")

    outcome = invoke(capsys, root, "test", "--format", "json")

    assert outcome.code == 0, outcome.out + outcome.err
    document = json.loads(outcome.out)
    assert document["summary"]["failed"] == 0
    assert document["summary"]["unspecified"] == []
    markets = sorted(
        folder.name
        for folder in (REPOSITORY / "markets").iterdir()
        if folder.is_dir() and not folder.name.startswith("_")
    )
    assert document["summary"]["files"] == [f"specs/{code}.yaml" for code in markets]


def test_the_reference_specs_pass(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, config, "test", "--format", "json")

    assert outcome.code == 0, outcome.out + outcome.err
    document = json.loads(outcome.out)
    assert document["summary"]["failed"] == 0
    assert document["summary"]["files"] == [f"specs/{code}.yaml" for code in REFERENCE_MARKETS]


def test_markets_without_a_spec_are_named(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (config / "specs/ca.yaml").unlink()

    outcome = invoke(capsys, config, "test", "--format", "json")

    assert outcome.code == 0
    assert json.loads(outcome.out)["summary"]["unspecified"] == ["ca"]
    text = invoke(capsys, config, "test").out.splitlines()
    assert text[0] == "no spec for: ca (write specs/<market>.yaml)"


def test_a_market_change_that_breaks_a_spec_fails_at_the_spec_line(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Sweden's temporary food rate written as 7 % instead of 6 %.
    edit(
        config / "markets/se/tax.yaml",
        "    - percent: 6\n      from: 2026-04-01",
        ("    - percent: 7\n      from: 2026-04-01"),
    )
    spec = config / "specs/se.yaml"

    outcome = invoke(capsys, config, "test", "se")

    assert outcome.code == 1
    tax_line = line_of(spec, "tax_rate: {kind: food, on: 2026-04-01}") - 1
    gross_line = line_of(spec, "gross_price: {net: 100, kind: food") - 1
    assert outcome.out.splitlines() == [
        f"specs/se.yaml:{tax_line}:5: FAIL se food VAT on 2026-04-01 is 6 % (temporary cut)",
        "    expected 6, got 7",
        f"specs/se.yaml:{gross_line}:5: FAIL se 100 kr of food grosses to 106.00 kr during the cut",
        "    expected 106.00, got 107.00",
        outcome.out.splitlines()[-1],
    ]
    assert outcome.out.splitlines()[-1].startswith("11 passed, 2 failed in 3 spec files")


def test_a_wrong_expectation_names_its_file_and_line(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = config / "specs/jp.yaml"
    edit(spec, 'expect: "3点"', 'expect: "3個"')

    outcome = invoke(capsys, config, "test", "jp", "--junit-xml", str(config / "out/specs.xml"))

    assert outcome.code == 1
    line = line_of(spec, "cart.items in ja-JP with count 3")
    assert outcome.out.splitlines()[:2] == [
        f"specs/jp.yaml:{line}:5: FAIL jp cart.items in ja-JP with count 3 renders 3点",
        '    expected "3個", got "3点"',
    ]
    suites = ElementTree.parse(config / "out/specs.xml").getroot()
    assert (suites.tag, suites.get("tests"), suites.get("failures")) == ("testsuites", "10", "1")
    (failure,) = suites.iter("failure")
    assert failure.get("message") == 'expected "3個", got "3点"'
    (case,) = [c for c in suites.iter("testcase") if c.find("failure") is not None]
    assert (case.get("file"), case.get("line")) == ("specs/jp.yaml", str(line))


def test_a_broken_spec_is_reported_at_its_line_not_as_a_traceback(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = config / "specs/ca.yaml"
    edit(
        spec,
        "tax_rate: {region: CA-AB, on: 2026-04-01}",
        "tax_rate: {regoin: CA-AB, on: 2026-04-01}",
    )

    outcome = invoke(capsys, config, "test", "ca", "--bundles", str(_built(config, capsys)))

    assert outcome.code == 1
    line = line_of(spec, "regoin")
    assert outcome.out.splitlines()[:2] == [
        f"specs/ca.yaml:{line}:15: FAIL ca Alberta charges GST only, 5 %",
        "    broken spec: tax_rate: unknown 'regoin' (it takes kind, on, region)",
    ]


def test_the_runtime_refusing_is_a_failure(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = config / "specs/ca.yaml"
    edit(spec, "tax_rate: {region: CA-ON, on: 2026-04-01}", "tax_rate: {on: 2026-04-01}")

    outcome = invoke(capsys, config, "test", "ca", "--bundles", str(_built(config, capsys)))

    assert outcome.code == 1
    assert outcome.out.splitlines()[0] == (
        f"specs/ca.yaml:{line_of(spec, 'tax_rate: {on: 2026-04-01}') - 1}:5: "
        "FAIL ca Ontario's HST is 13 %"
    )
    assert outcome.out.splitlines()[1].startswith("    the runtime refused: ")


def test_unknown_market_is_a_usage_error(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, config, "test", "zz")

    assert outcome.code == 2


def test_no_specs_is_a_known_failure(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, repo, "test")

    assert outcome.code == 1
    assert outcome.err.splitlines()[0] == f"Error: no spec files in {repo / 'specs'}"


def _built(config: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    target = config / "dist"
    assert invoke(capsys, config, "build", "-o", str(target), "-q").code == 0
    return target


def test_the_specs_fit_their_schema() -> None:
    import subprocess
    import sys

    specs = sorted(str(path) for path in (REPOSITORY / "specs").glob("*.yaml"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--schemafile",
            str(REPOSITORY / "schemas/spec.schema.json"),
            *specs,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_legal_answers_are_compared_field_by_field(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = config / "specs/se.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8")
        + "  - name: reklamation for three years from delivery\n"
        + "    legal_guarantee: {on: 2026-06-01}\n"
        + "    expect: {form: fixed, months: 36, counted_from: delivery, years: ~}\n"
        + "  - name: 30 days to withdraw\n"
        + "    withdrawal: {on: 2026-06-01}\n"
        + "    expect: {right: statutory, days: 30, valid_from: 2014-06-13}\n",
        encoding="utf-8",
    )

    outcome = invoke(capsys, config, "test", "se")

    assert outcome.code == 1
    line = line_of(spec, "name: 30 days to withdraw")
    lines = outcome.out.splitlines()
    assert lines[0] == f"specs/se.yaml:{line}:5: FAIL se 30 days to withdraw"
    assert lines[1] == (
        '    expected {right: "statutory", days: 30, valid_from: "2014-06-13"}, '
        'got {right: "statutory", days: 14, valid_from: "2014-06-13"}'
    )
    assert lines[-1].startswith("14 passed, 1 failed in 3 spec files")


def test_a_state_base_rate_is_checked_in_a_sales_tax_market(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repository"
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    (root / "specs").mkdir()
    (root / "specs/us.yaml").write_text(
        "market: us\nspecs:\n"
        "  - name: California's state rate\n"
        "    state_base_rate: {region: US-CA, on: 2026-12-01}\n"
        "    expect: {percent: 7.25, local_rates: true, complete: false}\n"
        "  - name: Oregon has no sales tax at 5 %\n"
        "    state_base_rate: {region: US-OR, on: 2026-12-01}\n"
        "    expect: {percent: 5}\n"
        "  - name: tax_rate needs a rate provider in the US\n"
        "    tax_rate: {region: US-CA, on: 2026-06-01}\n"
        "    expect: 7.25\n",
        encoding="utf-8",
    )

    outcome = invoke(capsys, root, "test", "us", "--format", "json")

    assert outcome.code == 1
    results = json.loads(outcome.out)["results"]
    assert [r["status"] for r in results] == ["passed", "failed", "failed"]
    assert results[1]["message"] == "expected {percent: 5}, got {percent: 0}"
    assert results[2]["message"].startswith("the runtime refused:")
