"""The market identity rules (MKT201-MKT209, issue 3): country, currency, locales, time zones,
subdivision codes and launch date, checked against ISO (pycountry) and CLDR (Babel) data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.core import get_cldr_version

from clitools import at, edit, findings, places

TODAY = "2026-11-26"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETCTL_TODAY", TODAY)


def identity(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    return [f for f in findings(capsys, repo) if f["code"].startswith("MKT2")]


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(code, severity, message, hint) of each finding, in report order."""
    return [(f["code"], f["severity"], f["message"], f["hint"]) for f in items]


# MKT201 country-code ------------------------------------------------------------------------


def test_country_not_iso(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/se/market.yaml", "country: SE", "country: XS")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT201", *at(repo, "markets/se/market.yaml", "country: XS", "XS")),
    ]
    assert said(reported) == [
        (
            "MKT201",
            "error",
            "country 'XS' is not an ISO 3166-1 alpha-2 code",
            "did you mean 'SE' (Sweden)?",
        ),
    ]


def test_country_of_another_folder(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Sweden's files under country NO: every territory check now asks about Norway.
    edit(repo / "markets/se/market.yaml", "country: SE", "country: NO")

    reported = identity(capsys, repo)

    market = "markets/se/market.yaml"
    assert places(reported, "MKT2") == [
        ("MKT201", *at(repo, market, "country: NO", "NO")),
        ("MKT203", *at(repo, market, "currency: SEK", "SEK")),
        ("MKT205", *at(repo, market, "locales: [sv-SE]", "sv-SE")),
        ("MKT207", *at(repo, market, "timezones: [Europe/Stockholm]", "Europe/Stockholm")),
    ]
    first = said(reported)[0]
    assert first == (
        "MKT201",
        "error",
        "country NO (Norway) does not match the market's folder markets/se/ (SE, Sweden)",
        "write country: SE, or move the market to markets/no/",
    )
    assert said(reported)[3] == (
        "MKT207",
        "error",
        "time zone Europe/Stockholm is in SE (Sweden), not in NO",
        "did you mean 'Europe/Oslo'?",
    )


def test_country_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert places(identity(capsys, repo), "MKT2") == []


# MKT202 currency-code -----------------------------------------------------------------------


def test_currency_not_iso(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/jp/market.yaml", "currency: JPY", "currency: JPN")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT202", *at(repo, "markets/jp/market.yaml", "currency: JPN", "JPN")),
    ]
    assert said(reported) == [
        (
            "MKT202",
            "error",
            "currency 'JPN' is not an ISO 4217 code",
            "did you mean 'JPY' (Yen)? (legal tender in JP per CLDR)",
        ),
    ]


def test_currency_withdrawn_from_iso(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ISO 4217 withdrew the kuna when Croatia adopted the euro; CLDR keeps its history.
    market = repo / "markets/se/market.yaml"
    edit(market, "country: SE", "country: HR")
    edit(market, "currency: SEK", "currency: HRK")

    reported = [f for f in identity(capsys, repo) if f["code"] == "MKT202"]

    assert places(reported, "MKT2") == [
        ("MKT202", *at(repo, "markets/se/market.yaml", "currency: HRK", "HRK")),
    ]
    assert said(reported) == [
        (
            "MKT202",
            "error",
            "currency 'HRK' is no longer an ISO 4217 code: per CLDR it was HR's currency until "
            "2023-01-14",
            "did you mean 'EUR' (Euro)? (legal tender in HR per CLDR)",
        ),
    ]


def test_currency_code_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # XXX is an ISO 4217 code ("no currency"): MKT202 accepts it, MKT203 says it is no tender.
    edit(repo / "markets/jp/market.yaml", "currency: JPY", "currency: XXX")

    assert [p[0] for p in places(identity(capsys, repo), "MKT2")] == ["MKT203"]


# MKT203 currency-territory ------------------------------------------------------------------


def test_currency_not_tender(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/ca/market.yaml", "currency: CAD", "currency: USD")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT203", *at(repo, "markets/ca/market.yaml", "currency: USD", "USD")),
    ]
    assert said(reported) == [
        (
            "MKT203",
            "error",
            f"currency USD is not legal tender in CA today ({TODAY}): CLDR does not list it among "
            "the territory's currencies",
            "did you mean 'CAD' (Canadian Dollar)?",
        ),
    ]


def test_currency_non_tender_code(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # CLDR lists USN (next-day dollars) for the US with tender="false".
    market = repo / "markets/ca/market.yaml"
    edit(market, "country: CA", "country: US")
    edit(market, "currency: CAD", "currency: USN")

    reported = [f for f in identity(capsys, repo) if f["code"] == "MKT203"]

    assert places(reported, "MKT203") == [
        ("MKT203", *at(repo, "markets/ca/market.yaml", "currency: USN", "USN")),
    ]
    assert said(reported)[0][2] == (
        f"currency USN is not legal tender in US today ({TODAY}): CLDR lists it as a non-tender "
        "code there (for accounting, not payment)"
    )


def test_currency_not_yet_tender(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Curaçao: CLDR has the Caribbean guilder (XCG) as legal tender from 2025-03-31.
    monkeypatch.setenv("MARKETCTL_TODAY", "2025-01-01")
    market = repo / "markets/se/market.yaml"
    edit(market, "country: SE", "country: CW")
    edit(market, "currency: SEK", "currency: XCG")

    reported = [f for f in identity(capsys, repo) if f["code"] == "MKT203"]

    assert places(reported, "MKT203") == [
        ("MKT203", *at(repo, "markets/se/market.yaml", "currency: XCG", "XCG")),
    ]
    assert said(reported)[0][2] == (
        "currency XCG is not legal tender in CW today (2025-01-01): per CLDR it becomes legal "
        "tender there only on 2025-03-31"
    )


def test_currency_of_planned_market_checked_on_launch_date(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same guilder for a market that opens after the changeover: no warning.
    monkeypatch.setenv("MARKETCTL_TODAY", "2025-01-01")
    market = repo / "markets/se/market.yaml"
    edit(market, "country: SE", "country: CW")
    edit(market, "currency: SEK", "currency: XCG")
    edit(market, "status: live", "status: planned")
    edit(market, "launch_date: 2025-03-01", "launch_date: 2025-08-01")

    assert [f for f in identity(capsys, repo) if f["code"] == "MKT203"] == []


def test_currency_territory_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Panama: CLDR lists both the balboa and the US dollar as legal tender.
    market = repo / "markets/ca/market.yaml"
    edit(market, "country: CA", "country: PA")
    edit(market, "currency: CAD", "currency: USD")

    assert [f for f in identity(capsys, repo) if f["code"] == "MKT203"] == []


# MKT204 locale-unknown ----------------------------------------------------------------------


def test_locale_unknown(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/ca/market.yaml", "locales: [en-CA, fr-CA]", "locales: [en-CA, fr-JP]")
    edit(repo / "markets/jp/market.yaml", "locales: [ja-JP]", "locales: [ja-JP, xq-JP]")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT204", *at(repo, "markets/ca/market.yaml", "locales: [en-CA, fr-JP]", "fr-JP")),
        ("MKT204", *at(repo, "markets/jp/market.yaml", "locales: [ja-JP, xq-JP]", "xq-JP")),
    ]
    version = get_cldr_version()
    assert [(code, message, hint) for code, _, message, hint in said(reported)] == [
        (
            "MKT204",
            f"locale 'fr-JP' is not in CLDR (version {version}), so it has no number, currency or "
            "plural data",
            "did you mean 'fr-CA'?",
        ),
        (
            "MKT204",
            f"locale 'xq-JP' is not in CLDR (version {version}), so it has no number, currency or "
            "plural data",
            "did you mean 'ja-JP'?",
        ),
    ]


def test_locale_known_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # zh-TW is not a CLDR identifier itself; CLDR's likely subtags make it zh_Hant_TW.
    edit(
        repo / "markets/ca/market.yaml",
        "locales: [en-CA, fr-CA]",
        "locales: [en-CA, fr-CA, fr, zh-TW]",
    )

    assert [f for f in identity(capsys, repo) if f["code"] == "MKT204"] == []


# MKT205 locale-territory --------------------------------------------------------------------


def test_locale_of_another_territory(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/ca/market.yaml", "locales: [en-CA, fr-CA]", "locales: [en-CA, fr-FR]")
    edit(repo / "markets/jp/market.yaml", "locales: [ja-JP]", "locales: [ja-JP, sv-SE]")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT205", *at(repo, "markets/ca/market.yaml", "locales: [en-CA, fr-FR]", "fr-FR")),
        ("MKT205", *at(repo, "markets/jp/market.yaml", "locales: [ja-JP, sv-SE]", "sv-SE")),
    ]
    fr_fr, sv_se = said(reported)
    assert fr_fr == (
        "MKT205",
        "warning",
        "locale fr-FR is for FR (France), not CA",
        "did you mean 'fr-CA'?",
    )
    assert sv_se[:3] == (
        "MKT205",
        "warning",
        "locale sv-SE is for SE (Sweden), not JP, and is in sv, which CLDR does not list among "
        "the languages of JP",
    )
    assert sv_se[3].startswith("did you mean 'ja-JP'?")


def test_locale_territory_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # English is not official in Sweden, but CLDR counts most Swedes as speakers.
    edit(repo / "markets/se/market.yaml", "locales: [sv-SE]", "locales: [sv-SE, en-SE, sv]")

    assert places(identity(capsys, repo), "MKT2") == []


# MKT206 default-locale ----------------------------------------------------------------------


def test_default_locale_not_main_language(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/ca/market.yaml", "locales: [en-CA, fr-CA]", "locales: [fr-CA, en-CA]")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT206", *at(repo, "markets/ca/market.yaml", "locales: [fr-CA, en-CA]", "fr-CA")),
    ]
    ((code, severity, message, hint),) = said(reported)
    assert (code, severity) == ("MKT206", "warning")
    assert message.startswith(
        "default locale fr-CA is not in CA's main language among the "
        "market's locales: per CLDR en (official, "
    )
    assert hint == (
        "list 'en-CA' first, or add `# marketctl: ignore[MKT206]` on this line if fr "
        "is the deliberate default"
    )


def test_default_locale_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Swedish first in Sweden; and a deliberate French default, silenced on its line.
    edit(repo / "markets/se/market.yaml", "locales: [sv-SE]", "locales: [sv-SE, en-SE]")
    edit(
        repo / "markets/ca/market.yaml",
        "locales: [en-CA, fr-CA]",
        "locales: [fr-CA, en-CA]  # marketctl: ignore[MKT206]",
    )

    assert places(identity(capsys, repo), "MKT2") == []


# MKT207 timezone ----------------------------------------------------------------------------


def test_timezone(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    market = "markets/se/market.yaml"
    edit(
        repo / market,
        "timezones: [Europe/Stockholm]",
        "timezones: [Europe/Stokholm, Europe/Oslo, UTC]",
    )

    reported = identity(capsys, repo)

    line = "timezones: [Europe/Stokholm"
    assert places(reported, "MKT2") == [
        ("MKT207", *at(repo, market, line, "Europe/Stokholm")),
        ("MKT207", *at(repo, market, line, "Europe/Oslo")),
        ("MKT207", *at(repo, market, line, "UTC")),
    ]
    assert said(reported) == [
        (
            "MKT207",
            "error",
            "time zone 'Europe/Stokholm' is not in the IANA tz database",
            "did you mean 'Europe/Stockholm'?",
        ),
        (
            "MKT207",
            "error",
            "time zone Europe/Oslo is in NO (Norway), not in SE",
            "did you mean 'Europe/Stockholm'?",
        ),
        (
            "MKT207",
            "error",
            "time zone UTC is not the zone of any country, so not one of SE",
            "did you mean 'Europe/Stockholm'?",
        ),
    ]


def test_timezone_in_a_block_list(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    market = "markets/ca/market.yaml"
    edit(repo / market, "  - America/Regina", "  - America/Denver")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [("MKT207", *at(repo, market, "America/Denver"))]
    assert said(reported)[0][2] == "time zone America/Denver is in US (United States), not in CA"


def test_timezone_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # America/Montreal is an old IANA name; CLDR makes it an alias of America/Toronto (CA).
    edit(repo / "markets/ca/market.yaml", "  - America/Iqaluit", "  - America/Montreal")

    assert places(identity(capsys, repo), "MKT2") == []


# MKT208 subdivision-code --------------------------------------------------------------------


def test_subdivision_codes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/ca/tax.yaml", "  CA-QC:", "  CA-PQ:")
    edit(repo / "markets/ca/tax.yaml", "  CA-NL:", "  CA-NF:")
    edit(repo / "markets/ca/warranty.yaml", "  - region: CA-BC", "  - region: US-CA")

    reported = identity(capsys, repo)

    tax, warranty = "markets/ca/tax.yaml", "markets/ca/warranty.yaml"
    assert places(reported, "MKT2") == sorted(
        [
            ("MKT208", *at(repo, tax, "  CA-PQ:", "CA-PQ")),
            ("MKT208", *at(repo, tax, "  CA-NF:", "CA-NF")),
            ("MKT208", *at(repo, warranty, "region: US-CA", "US-CA")),
        ],
        key=lambda p: (p[1], p[2], p[3]),
    )
    by_code = {f["message"].split()[0].strip("'"): (f["message"], f["hint"]) for f in reported}
    assert by_code["CA-PQ"] == (
        "'CA-PQ' is not an ISO 3166-2 subdivision code",
        "did you mean 'CA-QC' (Quebec) or 'CA-PE' (Prince Edward Island)?",
    )
    assert by_code["CA-NF"] == (
        "'CA-NF' is not an ISO 3166-2 subdivision code",
        "did you mean 'CA-NL' (Newfoundland and Labrador)?",
    )
    assert by_code["US-CA"] == (
        "US-CA is California, a subdivision of US (United States), not of CA",
        "CA's ISO 3166-2 codes are CA-AB, CA-BC, CA-MB, CA-NB, CA-NL, CA-NS, CA-NT, CA-NU, "
        "CA-ON, CA-PE, CA-QC, CA-SK, CA-YT",
    )


def test_subdivision_of_another_country_by_name(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / "markets/ca/warranty.yaml", "  - region: CA-BC", "  - region: US-BC")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT208", *at(repo, "markets/ca/warranty.yaml", "region: US-BC", "US-BC")),
    ]
    assert said(reported)[0][3] == "did you mean 'CA-BC' (British Columbia)?"


def test_subdivision_codes_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Every region of Canada's tax and warranty files is one of Canada's ISO 3166-2 codes.
    assert "CA-QC" in (repo / "markets/ca/tax.yaml").read_text(encoding="utf-8")
    assert "region: CA-QC" in (repo / "markets/ca/warranty.yaml").read_text(encoding="utf-8")

    assert [f for f in identity(capsys, repo) if f["code"] == "MKT208"] == []


# MKT209 launch-date -------------------------------------------------------------------------


def test_launch_date(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / "markets/se/market.yaml", "launch_date: 2025-03-01", "launch_date: 2027-03-01")
    edit(repo / "markets/jp/market.yaml", "status: live", "status: planned")
    edit(repo / "markets/ca/market.yaml", "launch_date: 2026-04-15\n", "")

    reported = identity(capsys, repo)

    assert places(reported, "MKT2") == [
        ("MKT209", *at(repo, "markets/ca/market.yaml", "status: live", "live")),
        ("MKT209", *at(repo, "markets/jp/market.yaml", "launch_date: 2026-06-01", "2026")),
        ("MKT209", *at(repo, "markets/se/market.yaml", "launch_date: 2027-03-01", "2027")),
    ]
    assert said(reported) == [
        (
            "MKT209",
            "error",
            "the market is live but has no launch_date",
            "add launch_date: YYYY-MM-DD, the day the market opened",
        ),
        (
            "MKT209",
            "warning",
            f"the market is planned but its launch_date 2026-06-01 has passed (today is {TODAY})",
            "set status: live if the market opened that day, or move launch_date to the "
            "planned day",
        ),
        (
            "MKT209",
            "error",
            "the market is live but its launch_date 2027-03-01 is in the future "
            f"(today is {TODAY})",
            "set status: planned until the launch, or correct the date to the day it opened",
        ),
    ]


def test_launch_date_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Planned for the future, and live since today.
    edit(repo / "markets/jp/market.yaml", "status: live", "status: planned")
    edit(repo / "markets/jp/market.yaml", "launch_date: 2026-06-01", "launch_date: 2027-01-15")
    edit(repo / "markets/se/market.yaml", "launch_date: 2025-03-01", f"launch_date: {TODAY}")

    assert places(identity(capsys, repo), "MKT2") == []
