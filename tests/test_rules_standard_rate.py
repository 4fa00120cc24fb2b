"""MKT312 tax-standard-rate: a market's national standard rate is checked against the statutory
rates in marketctl/reference/data/tax_law.yaml (standard_rates), and the loader of that data is
strict."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clitools import edit, findings, line_of, places
from marketctl.reference.consumer_law import parse_tax_law, tax_law

TODAY = "2026-11-26"
SKATTEVERKET = (
    "https://www.skatteverket.se/foretagochorganisationer/moms/saljavarorochtjanster/"
    "momssatspavarorochtjanster.4.58d555751259e4d66168000409.html"
)
UPDATE = (
    "if the law has changed since the reference data, write the newer rate with its source in "
    "markets/_reference/tax_law.yaml"
)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY)


def tax_findings(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    return [f for f in findings(capsys, repo) if f["code"].startswith("MKT3")]


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f["code"], f["message"], f["hint"]) for f in items]


def test_repository_markets_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert places(findings(capsys, repo), "MKT312") == []


def test_current_rate_differs_from_the_law(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    se = "markets/se/tax.yaml"
    edit(
        repo / se,
        "    - percent: 25\n      from: 2023-07-01",
        "    - percent: 24\n      from: 2023-07-01",
    )
    line = line_of(repo / se, "- percent: 24")
    column = (repo / se).read_text(encoding="utf-8").splitlines()[line - 1].index("24") + 1

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT312", se, line, column)]
    assert said(reported) == [
        (
            "MKT312",
            "rates.standard: rate 24 % (from 2023-07-01) differs from the statutory standard rate "
            "for Sweden, 25 % from 2023-07-01 (Mervärdesskattelag (2023:200))",
            "marketctl's reference has 25 % from 2023-07-01 (Mervärdesskattelag (2023:200), "
            f"9 kap. (normalskattesats 25 %): {SKATTEVERKET}); read the law for those days and "
            f"write the rate it sets, with its source; {UPDATE}",
        ),
    ]


def test_the_hint_invents_no_change_where_the_reference_starts_recording(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The reference records Sweden's 25 % from 2019-01-01 only (first_recorded): nothing says
    # the rate changed that day, so the hint proposes no interval ending on 2018-12-31.
    se = "markets/se/tax.yaml"
    edit(
        repo / se,
        "    - percent: 25\n      from: 1994-07-01",
        "    - percent: 24\n      from: 1994-07-01",
    )
    line = line_of(repo / se, "- percent: 24")

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT312", se, line, 16)]
    assert said(reported) == [
        (
            "MKT312",
            "rates.standard: rate 24 % (from 1994-07-01 until 2023-06-30) differs from the "
            "statutory standard rate for Sweden, 25 % from 2019-01-01 until 2023-06-30 "
            "(Mervärdesskattelag (1994:200))",
            "marketctl's reference has 25 % from 2019-01-01 until 2023-06-30 "
            "(Mervärdesskattelag (1994:200), 7 kap. 1 § (25 %), i kraft t.o.m. 2023-06-30: "
            "https://faronline.se/dokument/rattserien/ratt-moms/s/rm_skattesats; not yet "
            "verified against the official text); 2019-01-01 is the first day it records, not "
            "the day that rate took effect; read the law for those days and write the rate it "
            "sets, with its source",
        ),
    ]


def test_past_interval_ends_a_day_after_the_law_changed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Japan's 8 % ended on 2019-09-30; here it runs one more day, and 10 % starts a day late.
    jp = "markets/jp/tax.yaml"
    edit(repo / jp, "until: 2019-09-30", "until: 2019-10-01")
    edit(
        repo / jp,
        "    - percent: 10\n      from: 2019-10-01",
        "    - percent: 10\n      from: 2019-10-02",
    )
    line = line_of(repo / jp, "from: 2014-04-01") - 1
    text = (repo / jp).read_text(encoding="utf-8").splitlines()[line - 1]
    assert text.strip() == "- percent: 8"

    reported = tax_findings(capsys, repo)

    assert places(reported, "MKT3") == [("MKT312", jp, line, text.index("8") + 1)]
    assert said(reported) == [
        (
            "MKT312",
            "rates.standard: rate 8 % (from 2014-04-01 until 2019-10-01) differs from the "
            "statutory standard rate for Japan, 10 % from 2019-10-01 "
            "(国税庁 タックスアンサー No.6303 消費税および地方消費税の税率)",
            "marketctl's reference has 10 % on 2019-10-01 (国税庁 タックスアンサー No.6303 "
            "消費税および地方消費税の税率, 標準税率 10 %: 消費税法 第29条 (7.8 %) + 地方消費税 "
            "(2.2 %): https://www.nta.go.jp/taxes/shiraberu/taxanswer/shohi/6303.htm; not yet "
            "verified against the official text); read the law for those days and write the "
            "rate it sets, with its source",
        ),
    ]


def test_history_before_the_reference_is_not_judged(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # marketctl's record for Japan starts on 2019-01-01: 1997-2014 is not compared.
    edit(
        repo / "markets/jp/tax.yaml",
        "    - percent: 5\n      from: 1997-04-01",
        "    - percent: 6\n      from: 1997-04-01",
    )

    assert places(tax_findings(capsys, repo), "MKT3") == []


def test_an_interval_is_judged_on_the_days_it_is_in_force(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The 8 % interval left open overlaps 10 % from 2019-10-01; on those days the later one is
    # in force (as in the bundles), so this is MKT306's finding alone, not a wrong rate too.
    edit(
        repo / "markets/jp/tax.yaml",
        "      from: 2014-04-01\n      until: 2019-09-30\n",
        "      from: 2014-04-01\n",
    )

    reported = tax_findings(capsys, repo)

    assert [f["code"] for f in reported] == ["MKT306"]


def test_regional_components_are_not_the_national_rate(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ontario's HST replaces the GST; only the national (GST) rate is compared with the law.
    edit(
        repo / "markets/ca/tax.yaml",
        "        - percent: 13\n          from: 2010-07-01",
        "        - percent: 14\n          from: 2010-07-01",
    )

    assert places(tax_findings(capsys, repo), "MKT312") == []


# data/tax_law.yaml standard_rates -----------------------------------------------------------


def test_packaged_standard_rates_load_as_exact_decimals() -> None:
    law = tax_law()

    germany = law.standard_rate("DE")
    assert [(r.value, str(r.interval)) for r in germany] == [
        (Decimal(19), "from 2019-01-01 until 2020-06-30"),
        (Decimal(16), "from 2020-07-01 until 2020-12-31"),
        (Decimal(19), "from 2021-01-01"),
    ]
    assert all(type(r.value) is Decimal for r in germany)
    assert [r.value for r in law.standard_rate("FI")] == [Decimal(24), Decimal("25.5")]
    assert law.standard_rate("CA")[-1].value == 5
    assert law.standard_rate("US") == ()
    assert all(history[-1].interval.is_open for history in law.standard_rates.values())


SECTIONS = "tax_inclusive_prices: {}\nmargin_scheme: {}\nregional_tax_subdivisions: {}\n"
SOURCE = "source: {title: T, url: 'https://a.b'}"
MALFORMED = [
    (
        f"standard_rates: {{SE: [{{value: twenty-five, from: 2019-01-01, {SOURCE}}}]}}\n",
        "standard_rates.SE[0].value: expected a percentage (a YAML number), found 'twenty-five'",
    ),
    (
        f"standard_rates: {{SE: [{{value: 250, from: 2019-01-01, {SOURCE}}}]}}\n",
        "standard_rates.SE[0].value: a percentage is from 0 to 100, found 250",
    ),
    (
        f"standard_rates: {{EU: [{{value: 15, from: 2019-01-01, {SOURCE}}}]}}\n",
        "standard_rates.EU: a standard rate is national: key it by country code",
    ),
    (
        f"standard_rates: {{SE: {{value: 25, from: 2019-01-01, {SOURCE}}}}}\n",
        "standard_rates.SE: a list of rates, oldest first",
    ),
    (
        f"standard_rates: {{DE: [{{value: 19, from: 2019-01-01, until: 2020-06-30, {SOURCE}}}, "
        f"{{value: 19, from: 2021-01-01, {SOURCE}}}]}}\n",
        "standard_rates.DE: nothing is in force from 2020-07-01 to 2020-12-31",
    ),
    (
        f"standard_rates: {{DE: [{{value: 19, from: 2019-01-01, until: 2020-06-30, {SOURCE}}}]}}\n",
        "standard_rates.DE: no interval is open-ended, so nothing is in force after 2020-06-30",
    ),
    ("", "standard_rates: expected a mapping"),
]


def test_nan_in_the_standard_rates_does_not_load() -> None:
    # Since issue 13 a NaN is refused when the file loads (MKT020), before any check of it.
    text = f"standard_rates: {{SE: [{{value: .nan, from: 2019-01-01, {SOURCE}}}]}}\n"
    with pytest.raises(RuntimeError) as raised:
        parse_tax_law(SECTIONS + text)
    assert str(raised.value).endswith(
        ": the number .nan is refused: NaN and infinities are not values"
    )


@pytest.mark.parametrize(("text", "problem"), MALFORMED)
def test_malformed_standard_rates_are_a_package_bug(text: str, problem: str) -> None:
    with pytest.raises(RuntimeError) as raised:
        parse_tax_law(SECTIONS + text)

    assert str(raised.value) == (
        f"marketctl/reference/data/tax_law.yaml is malformed at {problem}; the file ships with "
        "marketctl, "
        "so this is a bug in the package: fix the file (it is reviewed data, see its header)"
    )


def test_well_formed_standard_rates_parse() -> None:
    law = parse_tax_law(
        SECTIONS + f"standard_rates: {{SE: [{{value: 25, from: 2019-01-01, {SOURCE}}}], "
        f"FI: [{{value: 24, from: 2019-01-01, until: 2024-08-31, {SOURCE}}}, "
        f"{{value: 25.5, from: 2024-09-01, {SOURCE}}}]}}\n"
    )

    assert [r.value for r in law.standard_rate("FI")] == [Decimal(24), Decimal("25.5")]
    assert law.standard_rate("SE")[0].describe() == (
        "the statutory standard rate for Sweden, 25 % from 2019-01-01 (T)"
    )
