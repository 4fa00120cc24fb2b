"""Money and law are errors unless a person vouches for them (issue 20, item 2).

Each planted mistake of the issue fails the scoped validate and build of its market at the
value's line; a reviewed override beside the value makes the finding a warning that names it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, invoke, line_of
from conftest import REPOSITORY

TODAY = "2026-11-26"
SE_TAX = "markets/se/tax.yaml"
SE_MARKET = "markets/se/market.yaml"
SE_WARRANTY = "markets/se/warranty.yaml"
STANDARD_1994 = "  standard:\n    - percent: 25\n      from: 1994-07-01\n      until: 2023-06-30\n"

OVERRIDE = """      override:
        what: "24 % where the reference has 25 %"
        why: "the rate in force, which the reference does not hold yet"
        source: {title: "Mervärdesskattelag (1994:200)", url: "https://lagen.nu/1994:200"}
        reviewed: 2026-11-02
"""


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY)


def validate(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> tuple[int, list[Any]]:
    outcome = invoke(capsys, repo, "validate", "--format", "json", *args)
    assert outcome.err == ""
    return outcome.code, json.loads(outcome.out)["findings"]


def said(findings: list[dict[str, Any]], code: str) -> list[tuple[Any, ...]]:
    return [
        (f["severity"], f["file"], f["line"], f["column"], f["message"], f["hint"])
        for f in findings
        if f["code"] == code
    ]


def test_a_standard_rate_that_contradicts_the_reference_is_an_error(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE_TAX, STANDARD_1994, STANDARD_1994.replace("25", "24"))
    file, line, column = at(repo, SE_TAX, "percent: 24", "24")

    code, findings = validate(capsys, repo, "se")

    assert code == 1
    assert [(s[0], s[1], s[2], s[3]) for s in said(findings, "MKT312")] == [
        ("error", file, line, column)
    ]
    built = invoke(capsys, repo, "build", "se", "-o", str(tmp_path / "out"))
    assert built.code == 1
    assert built.out.startswith(f"{file}:{line}:{column}: MKT312 error: rates.standard: rate 24 %")
    assert not (tmp_path / "out").exists()


def test_a_reviewed_override_makes_it_a_warning_that_names_the_override(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE_TAX, STANDARD_1994, STANDARD_1994.replace("25", "24") + OVERRIDE)
    file, line, column = at(repo, SE_TAX, "percent: 24", "24")
    override_line = line_of(repo / SE_TAX, "override:")

    code, findings = validate(capsys, repo, "se")

    assert code == 0
    assert said(findings, "MKT312") == [
        (
            "warning",
            file,
            line,
            column,
            "rates.standard: rate 24 % (from 1994-07-01 until 2023-06-30) differs from the "
            "statutory standard rate for Sweden, 25 % from 2019-01-01 until 2023-06-30 "
            f"(Mervärdesskattelag (1994:200)); overridden at {SE_TAX}:{override_line} (reviewed "
            "2026-11-02): 24 % where the reference has 25 %",
            "kept as a warning because a person vouched for it: the rate in force, which the "
            "reference does not hold yet (source: Mervärdesskattelag (1994:200)); remove the "
            "override when the value follows the reference",
        )
    ]
    assert invoke(capsys, repo, "validate", "se", "--strict").code == 1
    built = invoke(capsys, repo, "build", "se", "-o", str(tmp_path / "out"))
    assert built.code == 0
    assert [row for row in built.out.splitlines() if " MKT312 " in row] == [
        f"{file}:{line}:{column}: MKT312 warning: " + said(findings, "MKT312")[0][4]
    ]


def test_an_override_without_a_review_date_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / SE_TAX,
        STANDARD_1994,
        STANDARD_1994.replace("25", "24") + OVERRIDE.replace("        reviewed: 2026-11-02\n", ""),
    )

    code, findings = validate(capsys, repo, "se")

    assert code == 1
    assert [(f["code"], f["line"], f["message"]) for f in findings] == [
        (
            "MKT103",
            line_of(repo / SE_TAX, "override:") + 1,
            "'reviewed' is required in rates.standard[0].override",
        )
    ]


def test_a_currency_that_is_not_legal_tender_is_an_error_unless_vouched_for(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE_MARKET, "currency: SEK", "currency: EUR")
    file, line, column = at(repo, SE_MARKET, "currency: EUR", "EUR")
    message = (
        f"currency EUR is not legal tender in SE today ({TODAY}): CLDR does not list it among "
        "the territory's currencies"
    )

    code, findings = validate(capsys, repo, "se")
    assert (code, said(findings, "MKT203")) == (
        1,
        [("error", file, line, column, message, "did you mean 'SEK' (Swedish Krona)?")],
    )

    edit(
        repo / SE_MARKET,
        "currency: EUR\n",
        "currency: EUR\ncurrency_override:\n  what: prices in EUR\n  why: a test of the override\n"
        '  source: {title: "A ruling", url: "https://example.org/ruling"}\n'
        "  reviewed: 2026-11-02\n",
    )
    code, findings = validate(capsys, repo, "se")
    assert code == 0
    assert [(s[0], s[2], s[4]) for s in said(findings, "MKT203")] == [
        (
            "warning",
            line,
            f"{message}; overridden at {file}:{line + 1} (reviewed 2026-11-02): prices in EUR",
        )
    ]


def test_a_legal_period_below_the_floor_is_vouched_for_on_its_interval(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    withdrawal = "  - days: 14\n    right: statutory\n"
    edit(repo / SE_WARRANTY, withdrawal, "  - days: 7\n    right: statutory\n")
    file, line, column = at(repo, SE_WARRANTY, "- days: 7", "7")

    code, findings = validate(capsys, repo, "se")
    assert code == 1
    assert [(s[0], s[2], s[3]) for s in said(findings, "MKT403")] == [("error", line, column)]

    edit(
        repo / SE_WARRANTY,
        "  - days: 7\n    right: statutory\n",
        "  - days: 7\n    right: statutory\n    override:\n      what: 7 days\n      why: a test\n"
        '      source: {title: "A ruling", url: "https://example.org/ruling"}\n'
        "      reviewed: 2026-11-02\n",
    )
    code, findings = validate(capsys, repo, "se")
    assert code == 0
    assert [(s[0], s[1], s[2], s[3]) for s in said(findings, "MKT403")] == [
        ("warning", file, line, column)
    ]


@pytest.mark.parametrize(
    ("typed", "codes"), [("0.23", ["MKT311", "MKT312"]), ("22", ["MKT312"])], ids=["0.23", "22"]
)
def test_a_scaffolded_markets_vat_typed_wrong_is_an_error(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, codes: list[str]
) -> None:
    assert invoke(capsys, repo, "new", "pl", "--region", "eu").code == 0
    tax = "markets/pl/tax.yaml"
    text = (repo / tax).read_text(encoding="utf-8")
    start = text.index("      from: null  # TODO")
    end = text.index("\n", start)
    (repo / tax).write_text(text[:start] + "      from: 2019-01-01" + text[end:], "utf-8")
    assert invoke(capsys, repo, "validate", "pl").code == 0
    edit(repo / tax, "    - percent: 23\n", f"    - percent: {typed}\n")
    file, line, column = at(repo, tax, f"- percent: {typed}", typed)

    code, findings = validate(capsys, repo, "pl")

    assert code == 1
    errors = [(f["code"], f["file"], f["line"], f["column"]) for f in findings]
    assert [e for e in errors if e[0].startswith("MKT3")] == [
        (c, file, line, column) for c in codes
    ]
    assert all(f["severity"] == "error" for f in findings if f["code"] in codes)
    assert invoke(capsys, repo, "build", "pl", "-o", str(tmp_path / "out")).code == 1


def test_a_slovak_plural_without_few_is_an_error(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPOSITORY / "markets/sk", repo / "markets/sk")
    sk = "markets/_defaults/messages/sk.yaml"
    edit(repo / sk, " few {Na sklade už len # kusy}", "")
    file, line, column = at(repo, sk, "product.stock.remaining:", "{count")

    code, findings = validate(capsys, repo, "sk")

    assert code == 1
    assert said(findings, "MKT506") == [
        (
            "error",
            file,
            line,
            column,
            "'product.stock.remaining': {count, plural} has no 'few' branch, which Slovak (sk) "
            "uses for numbers such as 2",
            "add few {...}; without it 2 shows the 'other' text",
        )
    ]
    assert invoke(capsys, repo, "build", "sk", "-o", str(tmp_path / "out")).code == 1
    assert invoke(capsys, repo, "validate", "jp").code == 0  # Japan reads no Slovak


def test_a_fact_written_as_a_mapping_carries_its_override_inside(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jp_tax = "markets/jp/tax.yaml"
    edit(
        repo / jp_tax, "  value: true\n  from: 2021-04-01\n", "  value: false\n  from: 2021-04-01\n"
    )
    file, line, column = at(repo, jp_tax, "value: false", "false")

    code, findings = validate(capsys, repo, "jp")
    assert code == 1
    assert [(s[0], s[1], s[2], s[3]) for s in said(findings, "MKT308")] == [
        ("error", file, line, column)
    ]

    edit(
        repo / jp_tax,
        "  value: false\n  from: 2021-04-01\n",
        "  value: false\n  from: 2021-04-01\n  override:\n    what: tax-exclusive prices\n"
        '    why: a test\n    source: {title: "A ruling", url: "https://example.org/r"}\n'
        "    reviewed: 2026-11-02\n",
    )
    code, findings = validate(capsys, repo, "jp")
    assert code == 0
    [(severity, _, at_line, _, message, _)] = said(findings, "MKT308")
    assert (severity, at_line) == ("warning", line)
    assert message.endswith(
        f"; overridden at {file}:{line + 2} (reviewed 2026-11-02): tax-exclusive prices"
    )
