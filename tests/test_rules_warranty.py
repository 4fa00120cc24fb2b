"""The warranty and consumer-law rules (MKT401-MKT409, issue 3): statutory floors by date,
second-hand reductions, legal sources and period histories, and the packaged floors."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, line_of, places
from marketctl.core.intervals import Interval
from marketctl.reference.consumer_law import consumer_law, parse_consumer_law, shortfall

TODAY = "2026-11-26"
CODES = [f"MKT4{n:02d}" for n in range(1, 10)]
SE = "markets/se/warranty.yaml"
EU = "markets/_regions/eu/warranty.yaml"
JP = "markets/jp/warranty.yaml"

SE_2022 = "Konsumentköplag (2022:260)"
SE_URL = (
    "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/"
    "konsumentkoplag-2022260_sfs-2022-260/"
)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY)


def warranty_findings(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    # The verification rules (MKT42x) read every source; tests/test_rules_quotes.py has them.
    return [
        f
        for f in findings(capsys, repo)
        if f["code"].startswith("MKT4") and not f["code"].startswith("MKT42")
    ]


def after(repo: Path, file: str, anchor: str, line_start: str, word: str) -> tuple[str, int, int]:
    """(file, line, column) of ``word`` on the first line after ``anchor``'s that starts with
    ``line_start``."""
    lines = (repo / file).read_text(encoding="utf-8").splitlines()
    first = line_of(repo / file, anchor)
    line = next(n for n in range(first + 1, len(lines) + 1) if lines[n - 1].startswith(line_start))
    return file, line, lines[line - 1].index(word) + 1


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f["code"], f["message"], f["hint"]) for f in items]


def cut(path: Path, start: str, end: str) -> None:
    """Remove the text from the one occurrence of start up to (not including) end."""
    text = path.read_text(encoding="utf-8")
    assert text.count(start) == 1, start
    first = text.index(start)
    path.write_text(text[:first] + text[text.index(end, first) :], encoding="utf-8")


@pytest.mark.parametrize("code", CODES)
def test_repository_markets_pass(code: str, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert places(findings(capsys, repo), code) == []


# MKT401 legal-guarantee-floor ---------------------------------------------------------------


def test_guarantee_below_national_floor(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / SE,
        "  - form: fixed\n    months: 36\n    counted_from: delivery\n    from: 2022-05-01",
        "  - form: fixed\n    months: 30\n    counted_from: delivery\n    from: 2022-05-01",
    )

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT401", *at(repo, SE, "months: 30", "30"))]
    assert said(reported) == [
        (
            "MKT401",
            "legal guarantee of 30 months from 2022-05-01 is below the floor of 36 months "
            "for Sweden, in force from 2022-05-01 (Konsumentköplag (2022:260), 5 kap. (reklamation "
            "senast tre år efter avlämnandet))",
            "write months: 36 or more",
        ),
    ]


def test_floor_applies_only_from_its_date(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The 1990 Act's interval ended on 2022-04-30, before Sweden's floor (2022-05-01): a shorter
    # period then is history, not a breach. The EU floor (2022-01-01) is not Sweden's: a national
    # entry replaces it (Sweden applied Directive 2019/771 from 2022-05-01).
    edit(
        repo / SE,
        "  - form: fixed\n    months: 36\n    counted_from: delivery\n    from: 2005-04-01",
        "  - form: fixed\n    months: 12\n    counted_from: delivery\n    from: 2005-04-01",
    )

    assert places(warranty_findings(capsys, repo), "MKT4") == []


def test_interval_that_spans_a_new_floor(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # One 12-month interval from 2020 to now: Sweden's 36-month floor came in force on its way.
    cut(
        repo / SE,
        "  - form: fixed\n    months: 36\n    counted_from: delivery\n    from: 2005-04-01",
        "  - form: fixed\n    months: 36\n    counted_from: delivery\n    from: 2022-05-01",
    )
    edit(
        repo / SE,
        "  - form: fixed\n    months: 36\n    counted_from: delivery\n    from: 2022-05-01",
        "  - form: fixed\n    months: 12\n    counted_from: delivery\n    from: 2020-05-01",
    )

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT401", *at(repo, SE, "months: 12", "12"))]
    assert said(reported)[0][2] == (
        "end this interval on 2022-04-30 and add one from 2022-05-01 with months: 36 or more"
    )


def test_guarantee_counted_from_the_wrong_event(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / JP, "counted_from: discovery", "counted_from: delivery")

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [
        ("MKT401", *at(repo, JP, "counted_from: delivery", "delivery"))
    ]
    assert said(reported) == [
        (
            "MKT401",
            "legal_guarantee from 2020-04-01 has form notice, which is counted from discovery, "
            "but says counted_from: delivery",
            "write counted_from: discovery",
        ),
    ]


def test_japan_written_as_a_fixed_guarantee(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The example: Japan's 12 months are a notice deadline from discovery, not a
    # guarantee period from delivery.
    edit(
        repo / JP,
        "  - form: notice\n    months: 12\n    counted_from: discovery",
        "  - form: fixed\n    months: 12\n    counted_from: delivery",
    )

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT401", *at(repo, JP, "form: fixed", "fixed"))]
    assert said(reported) == [
        (
            "MKT401",
            "legal_guarantee from 2020-04-01 has the fixed form, but the law of Japan gives a "
            "deadline to notify the seller, counted from discovery of the defect (form notice), "
            "in force from 2020-04-01 (民法（明治29年法律第89号）, 第566条 (notice within one "
            "year of knowing of the non-conformity))",
            "write form: notice with months and counted_from: discovery",
        ),
    ]


def test_reasonable_duration_where_the_law_fixes_months(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / SE,
        "  - form: fixed\n    months: 36\n    counted_from: delivery\n    from: 2022-05-01",
        "  - duration: reasonable\n    from: 2022-05-01",
    )

    assert places(warranty_findings(capsys, repo), "MKT4") == [
        ("MKT401", *at(repo, SE, "duration: reasonable", "reasonable")),
    ]


# MKT402 burden-of-proof-floor ---------------------------------------------------------------


def test_burden_of_proof_below_floor(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, "  - months: 24\n    from: 2022-05-01", "  - months: 12\n    from: 2022-05-01")

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT402", *at(repo, SE, "months: 12", "12"))]
    assert said(reported) == [
        (
            "MKT402",
            "burden of proof of 12 months from 2022-05-01 is below the floor of 24 months "
            f"for Sweden, in force from 2022-05-01 ({SE_2022}, 4 kap. 17 §)",
            "write months: 24 or more",
        ),
    ]


def test_burden_of_proof_missing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Neither Sweden nor its region states the presumption that Swedish law gives.
    cut(repo / SE, "burden_of_proof:", "withdrawal:")
    cut(repo / EU, "burden_of_proof:", "withdrawal:")

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT402", *at(repo, SE, "legal_guarantee:"))]
    assert said(reported) == [
        (
            "MKT402",
            "warranty.yaml has no burden_of_proof, but the law presumes that a defect "
            "existed at delivery: the floor of 24 months for Sweden, in force from 2022-05-01 "
            f"({SE_2022}, 4 kap. 17 §)",
            "add burden_of_proof: [{months: 24, from: 2022-05-01, source: {...}}]",
        ),
    ]


# MKT403 withdrawal-floor --------------------------------------------------------------------


def test_withdrawal_below_floor(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, "  - days: 14", "  - days: 7")

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT403", *at(repo, SE, "days: 7", "7"))]
    assert said(reported) == [
        (
            "MKT403",
            "withdrawal period of 7 days from 2014-06-13 is below the floor of 14 days "
            "for Sweden, in force from 2014-06-13 (Lag (2005:59) om distansavtal och avtal utanför "
            "affärslokaler, 2 kap. 10 § (i lydelse enligt Lag (2014:14)))",
            "write days: 14 or more",
        ),
    ]


def test_statutory_withdrawal_marked_excludable(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SE, "    right: statutory", "    right: default")

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT403", *at(repo, SE, "right: default", "default"))]
    assert said(reported)[0][2] == "write right: statutory: the seller cannot exclude this right"


def test_default_return_period_below_the_law(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / JP, "  - days: 8", "  - days: 5")

    assert places(warranty_findings(capsys, repo), "MKT4") == [
        ("MKT403", *at(repo, JP, "days: 5", "5")),
    ]


# MKT404 second-hand-reduction ---------------------------------------------------------------


def test_second_hand_reduction_below_floor(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / SE,
        "    counted_from: delivery\n    from: 2022-05-01",
        "    counted_from: delivery\n    second_hand_min_months: 12\n    from: 2022-05-01",
    )

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [
        ("MKT404", *at(repo, SE, "second_hand_min_months: 12", "12")),
    ]
    assert said(reported)[0][1] == (
        "second-hand minimum of 12 months from 2022-05-01 is below the floor of 36 months for "
        f"Sweden, in force from 2022-05-01 ({SE_2022}, 1 kap. (tvingande till konsumentens "
        "förmån; gäller även begagnade varor))"
    )


def test_second_hand_reduction_where_the_law_allows_none(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / SE,
        "    counted_from: delivery\n    from: 2005-04-01",
        "    counted_from: delivery\n    second_hand_min_months: 12\n    from: 2005-04-01",
    )

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [
        ("MKT404", *at(repo, SE, "second_hand_min_months: 12", "12")),
    ]
    assert said(reported) == [
        (
            "MKT404",
            "legal_guarantee from 2005-04-01 until 2022-04-30 may be shortened to 12 "
            "months for second-hand goods, but the law of Sweden allows no shorter period on "
            "2005-04-01 (marketctl's packaged reference data)",
            "remove second_hand_min_months (absent: no reduction), or start this "
            "interval on the day the law allowed one",
        ),
    ]


def test_second_hand_minimum_longer_than_the_guarantee(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / SE,
        "    counted_from: delivery\n    from: 2022-05-01",
        "    counted_from: delivery\n    second_hand_min_months: 48\n    from: 2022-05-01",
    )

    assert places(warranty_findings(capsys, repo), "MKT4") == [
        ("MKT404", *at(repo, SE, "second_hand_min_months: 48", "48")),
    ]


def test_no_reduction_is_always_allowed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / SE,
        "    counted_from: delivery\n    from: 2022-05-01",
        "    counted_from: delivery\n    second_hand_min_months: 36\n    from: 2022-05-01",
    )

    assert places(warranty_findings(capsys, repo), "MKT4") == []


# MKT405 legal-source ------------------------------------------------------------------------


def test_consumer_law_placeholder(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, f'  - title: "{SE_2022}"', '  - title: "TBD"')
    edit(
        repo / SE,
        f'    url: "{SE_URL}"\n    note:',
        '    url: "https://example.org/law"\n    note:',
    )

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [
        ("MKT405", *at(repo, SE, 'title: "TBD"', '"TBD"')),
        ("MKT405", *at(repo, SE, "https://example.org", '"https')),
    ]
    assert said(reported) == [
        (
            "MKT405",
            "consumer_law.0: the source's title 'TBD' is a placeholder, not a law's name",
            'write the law\'s official name, e.g. "Konsumentköplag (2022:260)"',
        ),
        (
            "MKT405",
            "consumer_law.0: the link 'https://example.org/law' does not point at a real site",
            "link the official text or the authority's page",
        ),
    ]


def test_blank_title_of_a_period_source(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / JP, 'title: "民法（明治29年法律第89号）"', 'title: "  "')

    assert places(warranty_findings(capsys, repo), "MKT4") == [
        ("MKT405", *at(repo, JP, 'title: "  "', '"  "')),
    ]


def test_consumer_law_without_url_is_the_schema_s_finding(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / JP, '    url: "https://laws.e-gov.go.jp/law/412AC0000000061"\n', "")

    everything = findings(capsys, repo)

    assert places(everything, "MKT4") == []
    assert [f["code"] for f in everything] == ["MKT103"]


# MKT406-MKT409 period histories -------------------------------------------------------------

OLD_ACT = '    until: 2022-04-30\n    source:\n      title: "Konsumentköplag (1990:932)"\n'
OLD_GUARANTEE_UNTIL = OLD_ACT + '      ref: "23 §'
OLD_BURDEN_UNTIL = OLD_ACT + '      ref: "20 a §"'


def test_period_ends_before_it_starts(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, OLD_BURDEN_UNTIL, OLD_BURDEN_UNTIL.replace("2022-04-30", "2001-04-30"))

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT406", *at(repo, SE, "until: 2001-04-30", "2001"))]
    assert said(reported) == [
        (
            "MKT406",
            "burden_of_proof: the interval from 2002-07-01 ends on 2001-04-30, before it starts",
            "until is the last day in force: write a date on or after from",
        ),
    ]


def test_periods_overlap(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, OLD_GUARANTEE_UNTIL, OLD_GUARANTEE_UNTIL.replace("2022-04-30", "2022-05-31"))

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [
        ("MKT407", *after(repo, SE, "until: 2022-05-31", "    from: 2022-05-01", "2022"))
    ]
    assert said(reported) == [
        (
            "MKT407",
            "legal_guarantee: the interval from 2022-05-01 overlaps the one from "
            "2005-04-01 until 2022-05-31",
            "start it on 2022-06-01, or end the earlier one on 2022-04-30",
        ),
    ]


def test_gap_between_periods(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SE, "  - months: 24\n    from: 2022-05-01", "  - months: 24\n    from: 2022-06-01")

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT408", *at(repo, SE, "from: 2022-06-01", "2022"))]
    assert said(reported) == [
        (
            "MKT408",
            "burden_of_proof: nothing is in force from 2022-05-01 to 2022-05-31",
            "start this interval on 2022-05-01, or add the interval in force in between",
        ),
    ]


def test_no_current_withdrawal_period(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / SE,
        "    counted_from: receipt\n    from: 2014-06-13\n",
        "    counted_from: receipt\n    from: 2014-06-13\n    until: 2024-12-31\n",
    )

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [("MKT409", *at(repo, SE, "until: 2024-12-31", "2024"))]
    assert said(reported)[0][1] == (
        "withdrawal: no interval is open-ended, so nothing is in force after 2024-12-31"
    )


# Layering: a value in _regions/eu is reported where it is written --------------------------


def test_region_values_inherited_by_a_stricter_market(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Sweden drops its own periods and inherits the EU's: 24 months and a 12-month presumption
    # fall short of Swedish law, and a 10-day withdrawal of EU law. Each finding points at the
    # line in the region file that wrote the value.
    cut(repo / SE, "legal_guarantee:", "consumer_law:")
    edit(repo / EU, "  - days: 14", "  - days: 10")

    reported = warranty_findings(capsys, repo)

    assert places(reported, "MKT4") == [
        ("MKT401", *at(repo, EU, "    months: 24", "24")),
        ("MKT402", *at(repo, EU, "  - months: 12", "12")),
        ("MKT403", *at(repo, EU, "  - days: 10", "10")),
    ]
    assert said(reported)[0][1] == (
        "legal guarantee of 24 months from 2022-01-01 is below the floor of 36 months for Sweden, "
        f"in force from 2022-05-01 ({SE_2022}, 5 kap. (reklamation senast tre år efter "
        "avlämnandet))"
    )


def test_region_history_error_is_reported_in_the_region_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut(repo / SE, "withdrawal:", "consumer_law:")
    edit(repo / EU, "    from: 2014-06-13\n", "    from: 2014-06-13\n    until: 2020-12-31\n")

    assert places(warranty_findings(capsys, repo), "MKT4") == [
        ("MKT409", *at(repo, EU, "until: 2020-12-31", "2020")),
    ]


# data/consumer_law.yaml ---------------------------------------------------------------------


def test_packaged_floors_load() -> None:
    law = consumer_law()

    assert [f.value for f in law.floor("legal_guarantee_months", "SE", "eu")] == [36]
    assert [f.value for f in law.floor("legal_guarantee_months", "DE", "eu")] == [24]
    assert law.floor("legal_guarantee_months", "CA", None) == ()
    assert law.floor("legal_guarantee_months", "DE", None) == ()  # not in the EU region


def test_shortfall_compares_by_date() -> None:
    floors = consumer_law().floor("legal_guarantee_months", "DE", "eu")
    before = Interval(date(2015, 1, 1), date(2021, 12, 31))

    assert shortfall(12, before, floors) is None
    assert shortfall(12, Interval(date(2015, 1, 1)), floors) == floors[0]
    assert shortfall(24, Interval(date(2022, 1, 1)), floors) is None


SOURCE = "{title: T, url: 'https://eur-lex.europa.eu/x'}"
MALFORMED = [
    (
        "floors: {EU: {legal_guarantee: {value: 24, from: 2022-01-01, source: " + SOURCE + "}}}",
        "floors.EU.legal_guarantee: a floor's name ends in _months, _days or _years",
    ),
    (
        "floors: {EU: {withdrawal_days: {value: 14, source: " + SOURCE + "}}}",
        "floors.EU.withdrawal_days: from (and until, if any) must be dates: 'from'",
    ),
    (
        "floors: {EU: {withdrawal_days: {value: '14', from: 2014-06-13, source: " + SOURCE + "}}}",
        "floors.EU.withdrawal_days.value: expected int, found '14'",
    ),
    (
        "floors: {EU: {withdrawal_days: {value: 14, from: 2014-06-13, source: {title: '', url: "
        "'https://eur-lex.europa.eu/x'}}}}",
        "floors.EU.withdrawal_days.source.title: the source names no law: its title is empty",
    ),
    (
        "floors: {EU: {withdrawal_days: {value: 14, from: 2014-06-13, source: {title: T}}}}",
        "floors.EU.withdrawal_days.source.url: the source has no link",
    ),
    (
        "floors: {SE: {withdrawal_days: [{value: 14, from: 2014-06-13, source: " + SOURCE + "}, "
        "{value: 14, from: 2014-06-13, source: " + SOURCE + "}]}}",
        "floors.SE.withdrawal_days: the interval from 2014-06-13 has no until, but a later one "
        "starts on 2014-06-13",
    ),
    (
        "floors: {SE: {withdrawal_days: [{value: 14, from: 2014-06-13, until: 2020-01-01, source: "
        + SOURCE
        + "}, {value: 30, from: 2020-01-01, source: "
        + SOURCE
        + "}]}}",
        "floors.SE.withdrawal_days: the interval from 2020-01-01 overlaps the one from 2014-06-13 "
        "until 2020-01-01",
    ),
    ("floors: [24]", "floors: expected a mapping"),
]


@pytest.mark.parametrize(("text", "problem"), MALFORMED)
def test_malformed_floors_are_a_package_bug(text: str, problem: str) -> None:
    with pytest.raises(RuntimeError) as raised:
        parse_consumer_law(text)

    assert str(raised.value) == (
        f"marketctl/reference/data/consumer_law.yaml is malformed at {problem}; the file ships "
        "with "
        "marketctl, so this is a bug in the package: fix the file (it is reviewed data, see its "
        "header)"
    )


def test_unreadable_yaml_is_a_package_bug() -> None:
    with pytest.raises(
        RuntimeError, match=r"^marketctl/reference/data/consumer_law.yaml is not valid YAML"
    ):
        parse_consumer_law("floors: {EU: [")
