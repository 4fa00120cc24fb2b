"""Verification status as data (issue 7): ``verified: <date>`` or ``verified: false`` with
``missing:`` on every source, in the market files' schemas, the reference data and the bundles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, invoke, line_of, places
from marketctl.reference.consumer_law import parse_tax_law, verification

SECTIONS = "tax_inclusive_prices: {}\nmargin_scheme: {}\nregional_tax_subdivisions: {}\n"


def rates(source: str) -> str:
    entry = f"{{value: 25, from: 2019-01-01, source: {source}}}"
    return SECTIONS + f"standard_rates: {{SE: [{entry}]}}\n"


def test_reference_sources_carry_their_verification() -> None:
    checked = parse_tax_law(rates("{title: T, url: 'https://a.b', verified: 2026-11-20}"))
    open_ = parse_tax_law(
        rates("{title: T, url: 'https://a.b', verified: false, missing: 'art. 9 not read'}")
    )
    silent = parse_tax_law(rates("{title: T, url: 'https://a.b'}"))

    assert checked.standard_rate("SE")[0].source.verified == date(2026, 11, 20)
    assert checked.standard_rate("SE")[0].source.missing == ""
    assert open_.standard_rate("SE")[0].source.verified is False
    assert open_.standard_rate("SE")[0].source.missing == "art. 9 not read"
    assert silent.standard_rate("SE")[0].source.verified is None


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "{title: T, url: 'https://a.b', verified: false}",
            "missing: verified: false without missing: say what is still to check",
        ),
        (
            "{title: T, url: 'https://a.b', verified: true}",
            "verified: verified is a date (YYYY-MM-DD) or false, not True",
        ),
        (
            "{title: T, url: 'https://a.b', verified: 2026-11-31}",
            "verified: verified is a date (YYYY-MM-DD) or false, not '2026-11-31'",
        ),
        (
            "{title: T, url: 'https://a.b', missing: 'the article'}",
            "missing: missing is given without verified: false",
        ),
        (
            "{title: T, url: 'https://a.b', verified: 2026-11-20, missing: 'the article'}",
            "missing: missing is given with a verification date",
        ),
    ],
)
def test_contradictory_verification_in_reference_data_is_a_package_bug(
    source: str, problem: str
) -> None:
    with pytest.raises(RuntimeError) as raised:
        parse_tax_law(rates(source))

    assert str(raised.value).startswith(
        "marketctl/reference/data/tax_law.yaml is malformed at "
        f"standard_rates.SE[0].source.{problem};"
    )


def test_verification_reads_acknowledged_facts() -> None:
    assert verification({"verified": False, "missing": " art. 9 "}).acknowledged
    assert not verification({"verified": "2026-11-20"}).acknowledged
    assert not verification({}).acknowledged


def test_market_schema_accepts_a_date_or_false_and_nothing_else(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    se = "markets/se/tax.yaml"
    edit(repo / se, STANDARD_STATUS, "        verified: yes\n")

    reported = findings(capsys, repo, "se")

    assert places(reported, "MKT101") == [("MKT101", *at(repo, se, "verified: yes", "yes"))]


# MKT420 unverified-fact -----------------------------------

STANDARD_STATUS = (
    "        verified: 2026-12-08\n"
    '        quote: "Normalskattesatsen är 25 procent av beskattningsunderlaget (9 kap 2 § ML)."\n'
)
SE = "markets/se/tax.yaml"
HINT = (
    "write verified: YYYY-MM-DD (the day the official text was read and said exactly this), "
    'or verified: false with missing: "what a reviewer must still check"'
)


def said(items: list[dict[str, Any]], code: str) -> list[tuple[str, int, int, str, str]]:
    return [
        (f["severity"], f["line"], f["column"], f["message"], f["hint"])
        for f in items
        if f["code"] == code and f["file"] == SE
    ]


def test_repository_markets_state_the_status_of_every_fact(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reported = findings(capsys, repo)

    assert places(reported, "MKT420") == []
    assert places(reported, "MKT421") == []
    assert invoke(capsys, repo, "validate", "--strict").code == 0


def test_a_fact_that_says_nothing_in_a_live_market(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE, STANDARD_STATUS, "")
    title = line_of(repo / SE, 'ref: "9 kap. 2 § (normalskattesats)"') - 1

    reported = findings(capsys, repo, "se")

    assert said(reported, "MKT420") == [
        (
            "warning",
            title,
            9,
            "tax.rates.standard[1]: the source does not say whether it was verified "
            "(Mervärdesskattelag (2023:200))",
            HINT,
        )
    ]
    assert invoke(capsys, repo, "validate", "--strict", "se").code == 1


def test_a_verification_date_is_enough(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, STANDARD_STATUS, "        verified: 2026-11-20\n")
    line = line_of(repo / SE, "verified: 2026-11-20")

    reported = findings(capsys, repo, "se")

    assert [f for f in said(reported, "MKT420") if f[1] == line] == []


def test_unverified_without_what_is_missing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, STANDARD_STATUS, "        verified: false\n")
    line = line_of(repo / SE, 'ref: "9 kap. 2 § (normalskattesats)"') + 2

    assert said(findings(capsys, repo, "se"), "MKT420") == [
        (
            "warning",
            line,
            19,
            "tax.rates.standard[1]: verified: false without missing: say what is still to check",
            HINT,
        )
    ]


def test_a_planned_market_is_not_judged(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, STANDARD_STATUS, "")
    edit(repo / "markets/se/market.yaml", "status: live\n", "status: planned\n")

    reported = findings(capsys, repo, "se")

    assert places(reported, "MKT420") == []
