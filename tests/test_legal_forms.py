"""The forms of the legal guarantee (issue 7): a fixed period, the reasonable form, a limitation
period (per ISO 3166-2 region where it differs), a notice deadline; the second-hand presumption;
withdrawal rights; the short-term right to reject. Each rule is shown failing and passing on a
market written here (markets/nl, ie, gb) or on the repository's own (se, ca).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, invoke, places

TODAY = "2026-11-26"
SOURCE = (
    '    source: {title: "T", url: "https://eur-lex.europa.eu/eli/dir/2019/771/oj", '
    'verified: false, missing: "a test fixture"}\n'
)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY)


def law_findings(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    # The verification rules (MKT42x) read every source; tests/test_rules_quotes.py has them.
    return [
        f
        for f in findings(capsys, repo)
        if f["code"].startswith("MKT4") and not f["code"].startswith("MKT42")
    ]


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f["code"], f["message"], f["hint"]) for f in items]


def add_market(repo: Path, code: str, market: str, warranty: str) -> str:
    """A market copied from se with its own market.yaml and warranty.yaml; the warranty path."""
    shutil.copytree(
        repo / "markets" / "se", repo / "markets" / code, ignore=shutil.ignore_patterns("messages")
    )
    (repo / "markets" / code / "market.yaml").write_text(
        "# yaml-language-server: $schema=../../schemas/market.schema.json\n"
        + market
        + "status: live\nlaunch_date: 2025-03-01\n",
        encoding="utf-8",
    )
    if "region: eu" not in market:  # the region gave the tax system
        tax = repo / "markets" / code / "tax.yaml"
        tax.write_text(tax.read_text(encoding="utf-8") + "system: vat\n", encoding="utf-8")
    path = f"markets/{code}/warranty.yaml"
    (repo / path).write_text(
        "# yaml-language-server: $schema=../../schemas/warranty.schema.json\n" + warranty,
        encoding="utf-8",
    )
    return path


NL_MARKET = (
    "country: NL\nname: Netherlands\nregion: eu\ncurrency: EUR\nlocales: [nl-NL]\n"
    "timezones: [Europe/Amsterdam]\n"
)
NL_REASONABLE = (
    "legal_guarantee:\n"
    "  - form: reasonable\n"
    "    limitation: {years: 2, counted_from: notification}\n"
    "    from: 2022-01-01\n" + SOURCE
)
IE_MARKET = (
    "country: IE\nname: Ireland\nregion: eu\ncurrency: EUR\nlocales: [en-IE]\n"
    "timezones: [Europe/Dublin]\n"
)
IE_WARRANTY = (
    "legal_guarantee:\n"
    "  - form: limitation\n"
    "    years: 6\n"
    "    counted_from: delivery\n"
    "    from: 2022-11-29\n" + SOURCE + "short_term_reject:\n"
    "  - days: 30\n"
    "    counted_from: receipt\n"
    "    from: 2022-11-29\n" + SOURCE
)
GB_MARKET = (
    "country: GB\nname: United Kingdom\ncurrency: GBP\nlocales: [en-GB]\n"
    "timezones: [Europe/London]\n"
)
GB_WARRANTY = (
    "legal_guarantee:\n"
    "  - form: limitation\n"
    "    years: 6\n"
    "    counted_from: breach\n"
    "    regions:\n"
    "      GB-SCT:\n"
    "        years: 5\n"
    "    " + SOURCE + "    from: 2015-10-01\n" + SOURCE + "burden_of_proof:\n"
    "  - months: 6\n"
    "    from: 2015-10-01\n" + SOURCE + "withdrawal:\n"
    "  - days: 14\n"
    "    right: statutory\n"
    "    from: 2014-06-13\n" + SOURCE + "short_term_reject:\n"
    "  - days: 30\n"
    "    counted_from: delivery\n"
    "    from: 2015-10-01\n" + SOURCE
)


# MKT401: the form of the law ----------------------------------------------------------------


def test_netherlands_reasonable_form_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_market(repo, "nl", NL_MARKET, NL_REASONABLE)

    assert places(law_findings(capsys, repo)) == []


def test_netherlands_written_as_a_fixed_period(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The example: `marketctl new nl` used to write 24 months from delivery.
    path = add_market(
        repo,
        "nl",
        NL_MARKET,
        "legal_guarantee:\n  - form: fixed\n    months: 24\n    from: 2022-01-01\n" + SOURCE,
    )

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT401", *at(repo, path, "form: fixed", "fixed"))]
    assert said(reported)[0][1].startswith(
        "legal_guarantee from 2022-01-01 has the fixed form, but the law of Netherlands gives "
        "no fixed period: the seller is liable for as long as the goods can reasonably be "
        "expected to last (form reasonable), in force from 2003-05-01 (Burgerlijk Wetboek Boek "
        "7, art. 7:17"
    )
    assert said(reported)[0][2] == (
        "write form: reasonable and remove months (limitation: may say how long claims can be "
        "brought)"
    )


def test_reasonable_form_with_a_limitation_below_the_law(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_market(repo, "nl", NL_MARKET, NL_REASONABLE.replace("years: 2", "years: 1"))

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT401", *at(repo, path, "limitation:", "1"))]
    assert said(reported)[0][1].startswith(
        "limitation period of 1 years from 2022-01-01 is below the floor of 2 years for "
        "Netherlands, in force from 2003-05-01"
    )


def test_ireland_limitation_form_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_market(repo, "ie", IE_MARKET, IE_WARRANTY)

    assert places(law_findings(capsys, repo)) == []


def test_ireland_limitation_below_the_law(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = add_market(repo, "ie", IE_MARKET, IE_WARRANTY.replace("years: 6", "years: 5"))

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT401", *at(repo, path, "years: 5", "5"))]
    assert said(reported)[0][2] == "write years: 6 or more"


def test_ireland_written_as_the_eu_fixed_period(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_market(
        repo,
        "ie",
        IE_MARKET,
        IE_WARRANTY.replace(
            "  - form: limitation\n    years: 6\n", "  - form: fixed\n    months: 24\n"
        ),
    )

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT401", *at(repo, path, "form: fixed", "fixed"))]
    assert said(reported)[0][2] == (
        "write form: limitation with years (the limitation period for claims)"
    )


def test_united_kingdom_with_scotland_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_market(repo, "gb", GB_MARKET, GB_WARRANTY)

    assert places(law_findings(capsys, repo)) == []


def test_scotland_left_out_gets_the_english_period(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_market(
        repo,
        "gb",
        GB_MARKET,
        GB_WARRANTY.replace("    regions:\n      GB-SCT:\n        years: 5\n    " + SOURCE, ""),
    )

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT401", *at(repo, path, "years: 6", "6"))]
    assert said(reported)[0][1].startswith(
        "limitation period of 6 years from 2015-10-01 would also apply in GB-SCT, but the floor "
        "of 5 years for Scotland, in force from 2015-10-01"
    )
    assert said(reported)[0][2] == "add regions: {GB-SCT: {years: 5, source: {...}}}"


def test_scotland_below_its_law(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = add_market(repo, "gb", GB_MARKET, GB_WARRANTY.replace("years: 5", "years: 4"))

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT401", *at(repo, path, "years: 4", "4"))]
    assert said(reported)[0][1].startswith(
        "limitation period of 4 years in GB-SCT from 2015-10-01 is below the floor of 5 years "
        "for Scotland"
    )


def test_region_that_is_not_a_subdivision_of_the_country(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scotland = "      GB-SCT:\n        years: 5\n    " + SOURCE
    path = add_market(
        repo,
        "gb",
        GB_MARKET,
        GB_WARRANTY.replace(scotland, scotland + "      IE-D:\n        years: 5\n    " + SOURCE),
    )

    reported = law_findings(capsys, repo)

    # The finding points at the region's terms, the line after its code.
    file, line, _ = at(repo, path, "IE-D:")
    assert places(reported) == [("MKT401", file, line + 1, 9)]
    assert said(reported)[0][1] == "region IE-D is not an ISO 3166-2 subdivision of United Kingdom"


def test_form_none_where_the_law_gives_a_guarantee(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = "markets/se/warranty.yaml"
    edit(
        repo / path,
        "  - form: fixed\n    months: 36\n    counted_from: delivery\n    from: 2022-05-01",
        "  - form: none\n    from: 2022-05-01",
    )

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT401", *at(repo, path, "form: none", "none"))]
    assert said(reported)[0][2] == "write form: fixed with months (counted_from: delivery)"


# MKT402: the presumption for second-hand goods ----------------------------------------------


def test_second_hand_presumption_where_the_law_sets_none(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = "markets/se/warranty.yaml"
    edit(
        repo / path,
        "  - months: 24\n    from: 2022-05-01",
        "  - months: 24\n    second_hand_months: 12\n    from: 2022-05-01",
    )

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT402", *at(repo, path, "second_hand_months", "12"))]
    assert said(reported) == [
        (
            "MKT402",
            "burden of proof for second-hand goods of 12 months from 2022-05-01 is shorter than "
            "for new goods, but the law of Sweden sets no shorter presumption for used goods on "
            "2022-05-01",
            "remove second_hand_months (absent: the same as months)",
        )
    ]


FR_MARKET = (
    "country: FR\nname: France\nregion: eu\ncurrency: EUR\nlocales: [fr-FR]\n"
    "timezones: [Europe/Paris]\n"
)
FR_WARRANTY = (
    "burden_of_proof:\n  - months: 24\n    second_hand_months: 12\n    from: 2022-01-01\n" + SOURCE
)


def test_france_second_hand_presumption_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_market(repo, "fr", FR_MARKET, FR_WARRANTY)

    assert places(law_findings(capsys, repo)) == []


def test_france_second_hand_presumption_below_the_law(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = add_market(
        repo,
        "fr",
        FR_MARKET,
        FR_WARRANTY.replace("second_hand_months: 12", "second_hand_months: 6"),
    )

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT402", *at(repo, path, "second_hand_months", "6"))]
    assert said(reported)[0][1].startswith(
        "burden of proof for second-hand goods of 6 months from 2022-01-01 is below the floor of "
        "12 months for France, in force from 2022-01-01"
    )


# MKT403: which right ------------------------------------------------------------------------


def test_no_right_where_the_law_gives_one(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = "markets/se/warranty.yaml"
    edit(repo / path, "    right: statutory", "    right: none")

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT403", *at(repo, path, "right: none", "none"))]
    assert said(reported)[0][2] == "write right: statutory: the seller cannot exclude this right"


def test_right_and_statutory_contradict(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = "markets/se/warranty.yaml"
    edit(repo / path, "    right: statutory", "    right: statutory\n    statutory: false")

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT403", *at(repo, path, "statutory: false", "false"))]
    assert said(reported)[0][1] == (
        "withdrawal from 2014-06-13 says right: statutory and statutory: false, which "
        "contradict each other"
    )


def test_canada_records_no_right(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # right: none with 0 days where no statute gives one: no finding.
    assert "right: none" in (repo / "markets/ca/warranty.yaml").read_text(encoding="utf-8")
    assert [f for f in law_findings(capsys, repo) if "markets/ca/" in f["file"]] == []


# MKT410: the short-term right to reject -----------------------------------------------------


def test_short_term_right_missing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = add_market(repo, "ie", IE_MARKET, IE_WARRANTY[: IE_WARRANTY.index("short_term_reject")])

    reported = law_findings(capsys, repo)

    assert [p[:2] for p in places(reported)] == [("MKT410", path)]
    assert said(reported)[0][2] == (
        "add short_term_reject: [{days: 30, counted_from: receipt, from: 2022-11-29, "
        "source: {...}}]"
    )


def test_short_term_right_below_the_law(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = add_market(repo, "gb", GB_MARKET, GB_WARRANTY.replace("days: 30", "days: 15"))

    reported = law_findings(capsys, repo)

    assert places(reported) == [("MKT410", *at(repo, path, "days: 15", "15"))]
    assert said(reported)[0][1].startswith(
        "short-term right to reject of 15 days from 2015-10-01 is below the floor of 30 days "
        "for United Kingdom"
    )


# marketctl new writes the law's form ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "region", "expected"),
    [
        (
            "nl",
            "eu",
            {
                "form": "reasonable",
                "limitation": {"years": 2, "counted_from": "notification"},
                "from": "2003-05-01",
            },
        ),
        ("fi", "eu", {"form": "reasonable", "from": "2022-01-01"}),
        (
            "ie",
            "eu",
            {"form": "limitation", "years": 6, "counted_from": "delivery", "from": "2022-11-29"},
        ),
        (
            "gb",
            None,
            {"form": "limitation", "years": 6, "counted_from": "breach", "from": "2015-10-01"},
        ),
        (
            "pt",
            "eu",
            {"form": "fixed", "months": 36, "counted_from": "delivery", "from": "2022-01-01"},
        ),
    ],
)
def test_new_writes_the_form_of_the_law(
    code: str,
    region: str | None,
    expected: dict[str, Any],
    repo: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from marketctl.core.documents import load_document

    args = ["new", code, *(["--region", region] if region else [])]
    outcome = invoke(capsys, repo, *args)
    assert outcome.code == 0, outcome.err

    path = repo / f"markets/{code}/warranty.yaml"
    document, _ = load_document(str(path), path.read_bytes())
    assert document is not None
    warranty = document.data  # dates stay text, as the validator reads them
    first = warranty["legal_guarantee"][0]
    assert {k: first[k] for k in expected} == expected
    assert set(first) - set(expected) <= {"source", "regions", "second_hand_min_months"}
    if code == "gb":
        assert first["regions"]["GB-SCT"]["years"] == 5
        assert warranty["short_term_reject"][0]["days"] == 30
    # The scaffold's legal values pass the consumer-law rules as written.
    assert places(law_findings(capsys, repo)) == []
