"""The tax rules (MKT301-MKT310, issue 3): rates, their histories, regional coverage, price
display and the margin scheme, and the packaged tax-law data they check against."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, places
from marketctl.reference.consumer_law import parse_tax_law, tax_law

TODAY = "2026-11-26"
CODES = [f"MKT3{n:02d}" for n in range(1, 12)]


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY)


def tax_findings(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    return [f for f in findings(capsys, repo) if f["code"].startswith("MKT3")]


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f["code"], f["message"], f["hint"]) for f in items]


@pytest.mark.parametrize("code", CODES)
def test_repository_markets_pass(code: str, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert places(findings(capsys, repo), code) == []


# MKT301 tax-rate-range ----------------------------------------------------------------------


def test_rate_above_50(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    se = "markets/se/tax.yaml"
    edit(repo / se, "  reduced:\n    - percent: 12", "  reduced:\n    - percent: 75")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT301", *at(repo, se, "percent: 75", "75"))]
    assert said(reported) == [
        (
            "MKT301",
            "rates.reduced: rate 75 % (from 2023-07-01) is outside 0 to 50 %",
            "write the rate in percent as the law states it (25, not 250 or 0.25)",
        ),
    ]


def test_regional_rate_above_50(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = "markets/ca/tax.yaml"
    edit(repo / ca, "percent: 9.975", "percent: 99.75")

    assert places(tax_findings(capsys, repo), "MKT3") == [
        ("MKT301", *at(repo, ca, "percent: 99.75", "99.75")),
    ]


# MKT302 tax-rate-precision ------------------------------------------------------------------


def test_rate_with_five_decimals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = "markets/ca/tax.yaml"
    edit(repo / ca, "percent: 9.975", "percent: 9.97512")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT302", *at(repo, ca, "percent: 9.97512", "9.975"))]
    assert said(reported) == [
        (
            "MKT302",
            "regions.CA-QC.taxes.qst: rate 9.97512 % (from 2013-01-01) has 5 decimals, more than 4",
            "write the rate exactly as the law states it",
        ),
    ]


def test_trailing_zeros_are_not_decimals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/ca/tax.yaml", "percent: 9.975", "percent: 9.9750000")

    assert places(tax_findings(capsys, repo), "MKT3") == []


# MKT303-MKT306 rate histories ---------------------------------------------------------------


def test_interval_ends_before_it_starts(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jp = "markets/jp/tax.yaml"
    edit(repo / jp, "until: 1997-03-31", "until: 1988-03-31")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT303", *at(repo, jp, "until: 1988-03-31", "1988"))]
    assert said(reported) == [
        (
            "MKT303",
            "rates.standard: the interval from 1989-04-01 ends on 1988-03-31, before it starts",
            "until is the last day in force: write a date on or after from",
        ),
    ]


def test_history_out_of_order(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Swap the two Manitoba intervals: listed newest first.
    ca = "markets/ca/tax.yaml"
    text = (repo / ca).read_text(encoding="utf-8")
    first = text.index("        - percent: 8\n          from: 2013-07-01")
    second = text.index("        - percent: 7\n          from: 2019-07-01")
    end = text.index("  CA-NB:")
    (repo / ca).write_text(
        text[:first] + text[second:end] + text[first:second] + text[end:], encoding="utf-8"
    )

    assert places(tax_findings(capsys, repo), "MKT3") == [
        ("MKT303", *at(repo, ca, "from: 2013-07-01", "2013")),
    ]


def test_overlapping_intervals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = "markets/ca/tax.yaml"
    edit(repo / ca, "until: 2025-03-31", "until: 2025-04-01")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT304", *at(repo, ca, "from: 2025-04-01", "2025"))]
    assert said(reported) == [
        (
            "MKT304",
            "regions.CA-NS.taxes.hst: the interval from 2025-04-01 overlaps the one from "
            "2010-07-01 until 2025-04-01",
            "start it on 2025-04-02, or end the earlier one on 2025-03-31",
        ),
    ]


def test_gap_between_intervals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = "markets/ca/tax.yaml"
    edit(repo / ca, "from: 2019-07-01", "from: 2019-08-01")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT305", *at(repo, ca, "from: 2019-08-01", "2019"))]
    assert said(reported) == [
        (
            "MKT305",
            "regions.CA-MB.taxes.rst: nothing is in force from 2019-07-01 to 2019-07-31",
            "start this interval on 2019-07-01, or add the interval in force in between",
        ),
    ]


def test_no_current_rate(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = "markets/ca/tax.yaml"
    edit(
        repo / ca,
        "        - percent: 13\n          from: 2010-07-01\n",
        "        - percent: 13\n          from: 2010-07-01\n          until: 2030-12-31\n",
    )

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT306", *at(repo, ca, "until: 2030-12-31", "2030"))]
    assert said(reported) == [
        (
            "MKT306",
            "regions.CA-ON.taxes.hst: no interval is open-ended, so nothing is in force "
            "after 2030-12-31",
            "remove until from the interval in force now, or add the next interval without until",
        ),
    ]


def test_two_current_rates(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jp = "markets/jp/tax.yaml"
    edit(repo / jp, "      from: 2014-04-01\n      until: 2019-09-30\n", "      from: 2014-04-01\n")

    assert places(tax_findings(capsys, repo), "MKT3") == [
        ("MKT306", *at(repo, jp, "from: 2014-04-01", "2014")),
    ]


# MKT307 tax-region-coverage -----------------------------------------------------------------


def test_missing_provinces(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = "markets/ca/tax.yaml"
    text = (repo / ca).read_text(encoding="utf-8")
    yukon = text.index("  CA-YT:")
    ontario, pei = text.index("  CA-ON:"), text.index("  CA-PE:")
    (repo / ca).write_text(text[:ontario] + text[pei:yukon], encoding="utf-8")

    reported = tax_findings(capsys, repo)

    regions = at(repo, ca, "regions:")
    assert places(reported, "MKT3") == [("MKT307", *regions), ("MKT307", *regions)]
    assert said(reported) == [
        (
            "MKT307",
            "regions has no entry for CA-ON (Ontario, a province)",
            "add CA-ON with its taxes; where it levies none: "
            "CA-ON: {national: added, taxes: {}, source: {...}}",
        ),
        (
            "MKT307",
            "regions has no entry for CA-YT (Yukon, a territory)",
            "add CA-YT with its taxes; where it levies none: "
            "CA-YT: {national: added, taxes: {}, source: {...}}",
        ),
    ]


def test_no_regions_where_provinces_levy_tax(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = "markets/ca/tax.yaml"
    text = (repo / ca).read_text(encoding="utf-8")
    (repo / ca).write_text(text[: text.index("regions:")], encoding="utf-8")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT307", *at(repo, ca, "system: gst"))]
    assert said(reported)[0][1] == (
        "the provinces and territories of Canada levy their own sales tax, but tax.yaml has no "
        "regions"
    )


def test_unknown_subdivision_is_left_to_mkt208(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = "markets/ca/tax.yaml"
    edit(repo / ca, "  CA-NL:", "  CA-NF:")

    everything = findings(capsys, repo)

    assert places(everything, "MKT3") == [("MKT307", *at(repo, ca, "regions:"))]
    assert places(everything, "MKT208") == [("MKT208", *at(repo, ca, "CA-NF"))]


# MKT308 tax-inclusive-display ---------------------------------------------------------------


def test_japan_requires_tax_inclusive_prices(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jp = "markets/jp/tax.yaml"
    edit(repo / jp, "  value: true", "  value: false")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT308", *at(repo, jp, "value: false", "false"))]
    assert said(reported) == [
        (
            "MKT308",
            "prices_include_tax is false from 2021-04-01, but the law of Japan requires "
            "prices shown to consumers to include tax from 2021-04-01 "
            "(消費税法（昭和63年法律第108号）, 第63条（価格の表示）)",
            "set value: true and show every price to consumers with tax included",
        ),
    ]


def test_japan_exemption_applies_by_date(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 2013-10-01 to 2021-03-31: the special measures act let prices exclude tax.
    edit(
        repo / "markets/jp/tax.yaml",
        "  value: true\n  from: 2021-04-01",
        "  value: false\n  from: 2014-01-01\n  until: 2021-03-31",
    )

    assert places(tax_findings(capsys, repo), "MKT3") == []


def test_eu_requirement_applies_to_an_eu_market_without_dates(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without from, the value speaks for today onwards (MARKETCTL_TODAY).
    se = "markets/se/tax.yaml"
    lines = (repo / se).read_text(encoding="utf-8").splitlines(keepends=True)
    (repo / se).write_text(
        "".join(line for line in lines if not line.startswith("  from: 2004-07-01")),
        encoding="utf-8",
    )
    edit(repo / se, "  value: true", "  value: false")

    assert places(tax_findings(capsys, repo), "MKT3") == [
        ("MKT308", *at(repo, se, "value: false", "false")),
    ]


def test_canada_may_show_prices_before_tax(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (repo / "markets/ca/tax.yaml").read_text(encoding="utf-8")

    assert "  value: false" in text
    assert places(tax_findings(capsys, repo), "MKT308") == []


# MKT309 margin-scheme -----------------------------------------------------------------------


def test_margin_scheme_where_the_law_has_none(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jp = "markets/jp/tax.yaml"
    edit(
        repo / jp,
        "system: consumption_tax\n",
        "system: consumption_tax\nmargin_scheme:\n  available: true\n  source:\n"
        '    title: "消費税法"\n    url: "https://laws.e-gov.go.jp/law/363AC0000000108"\n',
    )

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT309", *at(repo, jp, "available: true", "true"))]
    assert said(reported) == [
        (
            "MKT309",
            "the law of Japan has no margin scheme for second-hand goods: tax is due on "
            "the whole price",
            "set available: false; if the law has changed, ask for "
            "marketctl/reference/data/tax_law.yaml to be updated, with the source",
        ),
    ]


def test_margin_scheme_before_the_law_in_the_region_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Layering: Sweden inherits the region's margin_scheme; the finding is where it is written.
    eu = "markets/_regions/eu/tax.yaml"
    edit(repo / eu, "  from: 2007-01-01", "  from: 1990-01-01")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT309", *at(repo, eu, "from: 1990-01-01", "1990"))]
    assert said(reported) == [
        (
            "MKT309",
            "margin_scheme is available from 1990-01-01, but the EU has no margin scheme "
            "on 1990-01-01 (it has one from 1995-01-01 until 2006-12-31, from 2007-01-01; Council "
            "Directive 94/5/EC (special arrangements for second-hand goods), Sixth Directive "
            "77/388/EEC art. 26a, art. 26a B; effective from 1995-01-01)",
            "write from: 1995-01-01, the day the law introduced it",
        ),
    ]


def test_margin_scheme_may_be_declined(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/_regions/eu/tax.yaml", "available: true", "available: false")

    assert places(tax_findings(capsys, repo), "MKT3") == []


# MKT310 tax-source --------------------------------------------------------------------------


def test_placeholder_title(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    se = "markets/se/tax.yaml"
    edit(repo / se, 'title: "Prisinformationslag (2004:347)"', 'title: "TODO"')

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT310", *at(repo, se, 'title: "TODO"', '"TODO"'))]
    assert said(reported) == [
        (
            "MKT310",
            "prices_include_tax.source: the source's title 'TODO' is a placeholder, not "
            "a law's name",
            'write the law\'s official name, e.g. "Konsumentköplag (2022:260)"',
        ),
    ]


def test_link_to_no_site_in_the_region_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eu = "markets/_regions/eu/tax.yaml"
    edit(repo / eu, "https://eur-lex.europa.eu/eli/dir/2006/112/oj", "https://eur-lex/2006/112")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT310", *at(repo, eu, "https://eur-lex/", '"https'))]
    assert said(reported) == [
        (
            "MKT310",
            "margin_scheme.source: the link 'https://eur-lex/2006/112' does not point at "
            "a real site",
            "link the official text or the authority's page",
        ),
    ]


def test_http_link_is_the_schema_s_finding(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eu = "markets/_regions/eu/tax.yaml"
    edit(
        repo / eu,
        "https://eur-lex.europa.eu/eli/dir/2006/112/oj",
        "http://eur-lex.europa.eu/eli/dir/2006/112/oj",
    )

    everything = findings(capsys, repo)

    assert places(everything, "MKT3") == []
    assert places(everything, "MKT101") == [("MKT101", *at(repo, eu, "http://", '"http'))]


# data/tax_law.yaml --------------------------------------------------------------------------


def test_packaged_tax_law_loads() -> None:
    law = tax_law()

    assert [r.value for r in law.inclusive_prices("JP", None)] == [True, False, True]
    assert law.inclusive_prices("SE", "eu")[0].jurisdiction == "EU"
    assert law.inclusive_prices("CA", None) == ()
    assert law.margin_schemes("JP", None) == ()
    assert law.regional_tax_subdivisions["CA"].types == frozenset({"Province", "Territory"})


MALFORMED = [
    (
        "tax_inclusive_prices: {EU: {value: yes please, from: 2000-03-18, source: {title: T, url: "
        "'https://eur-lex.europa.eu/x'}}}\nmargin_scheme: {}\nregional_tax_subdivisions: {}\n",
        "tax_inclusive_prices.EU.value: expected bool, found 'yes please'",
    ),
    (
        "tax_inclusive_prices: {}\nmargin_scheme: {XX: {value: true, from: 2000-01-01, source: "
        "{title: T, url: 'https://a.b'}}}\nregional_tax_subdivisions: {}\n",
        "margin_scheme.XX: 'XX' is neither EU nor an ISO 3166-1 alpha-2 country code",
    ),
    (
        "tax_inclusive_prices: {}\nmargin_scheme: {}\nregional_tax_subdivisions: {CA: {types: "
        "[Provinces], source: {title: T, url: 'https://a.b'}}}\n",
        "regional_tax_subdivisions.CA.types: Provinces is not a subdivision type of CA in "
        "pycountry (known: Province, Territory)",
    ),
    (
        "tax_inclusive_prices: {GB: {value: true, from: 2004-07-22, source: {title: T, url: "
        "'http://a.b'}}}\nmargin_scheme: {}\nregional_tax_subdivisions: {}\n",
        "tax_inclusive_prices.GB.source.url: the link 'http://a.b' is not https",
    ),
    (
        "tax_inclusive_prices: {}\nmargin_scheme: {GB: [{value: true, from: 2000-01-01, source: "
        "{title: T, url: 'https://a.b'}}, {value: true, from: 1999-01-01, source: {title: T, url: "
        "'https://a.b'}}]}\nregional_tax_subdivisions: {}\n",
        "margin_scheme.GB: the interval from 1999-01-01 is listed after the one from 2000-01-01",
    ),
]


@pytest.mark.parametrize(("text", "problem"), MALFORMED)
def test_malformed_tax_law_is_a_package_bug(text: str, problem: str) -> None:
    with pytest.raises(RuntimeError) as raised:
        parse_tax_law(text)

    assert str(raised.value) == (
        f"marketctl/reference/data/tax_law.yaml is malformed at {problem}; the file ships with "
        "marketctl, "
        "so this is a bug in the package: fix the file (it is reviewed data, see its header)"
    )


# MKT311 tax-rate-fraction --------------------------------------------------------------------


def test_rate_written_as_a_fraction(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    se = "markets/se/tax.yaml"
    edit(repo / se, "  reduced:\n    - percent: 12", "  reduced:\n    - percent: 0.12")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT311", *at(repo, se, "percent: 0.12", "0.12"))]
    assert said(reported) == [
        (
            "MKT311",
            "rates.reduced: rate 0.12 % (from 2023-07-01) looks like a fraction, not a percentage",
            "write the rate in percent (12 for a rate of that size); if the law really sets it "
            "below 1 %, add override: {what, why, source, reviewed} to the interval",
        ),
    ]


def test_a_fraction_rate_can_be_kept_with_an_inline_ignore(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    se = "markets/se/tax.yaml"
    edit(
        repo / se,
        "  reduced:\n    - percent: 12",
        "  reduced:\n    - percent: 0.12  # marketctl: ignore[MKT311]",
    )

    assert places(tax_findings(capsys, repo), "MKT3") == []
