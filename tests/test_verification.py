"""Verification status as data (issue 7): ``verified: <date>`` or ``verified: false`` with
``missing:`` on every source, in the market files' schemas, the reference data and the bundles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clitools import at, edit, findings, places
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
        f"marketctl/data/tax_law.yaml is malformed at standard_rates.SE[0].source.{problem};"
    )


def test_verification_reads_acknowledged_facts() -> None:
    assert verification({"verified": False, "missing": " art. 9 "}).acknowledged
    assert not verification({"verified": "2026-11-20"}).acknowledged
    assert not verification({}).acknowledged


def test_market_schema_accepts_a_date_or_false_and_nothing_else(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    se = "markets/se/tax.yaml"
    edit(
        repo / se,
        '        ref: "9 kap. 2 § (normalskattesats)"\n',
        '        ref: "9 kap. 2 § (normalskattesats)"\n        verified: yes\n',
    )

    reported = findings(capsys, repo, "se")

    assert places(reported, "MKT101") == [("MKT101", *at(repo, se, "verified: yes", "yes"))]
