"""MKT530 message-hardcoded-fact (issue 20, item 3): a catalogue that markets with different facts
read writes a tax name, a rate or a legal period; a live market's checkout shows another
system's tax name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, invoke, places

REPOSITORY = Path(__file__).resolve().parents[1]

EN = "markets/_defaults/messages/en.yaml"
DE = "markets/_defaults/messages/de.yaml"
SV = "markets/_defaults/messages/sv.yaml"
FR = "markets/_defaults/messages/fr.yaml"
SOURCE_TAX_LINE = '  message: "{tax} ({tax_rate})"\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Every shipped market: the facts that differ are spread over the US, the UK, Ireland,
    Canada, Germany and Austria (the conftest's repo has three markets)."""
    shutil.copytree(REPOSITORY / "markets", tmp_path / "config" / "markets")
    return tmp_path / "config"


def hardcoded(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    return [f for f in findings(capsys, repo) if f["code"] == "MKT530"]


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(f["severity"], f["message"], f["hint"]) for f in items]


def test_the_shipped_catalogues_write_no_fact(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert places(findings(capsys, repo), "MKT530") == []


def test_english_names_vat_for_markets_with_other_taxes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / EN, SOURCE_TAX_LINE, '  message: "{tax} ({tax_rate}), VAT included"\n')

    reported = hardcoded(capsys, repo)

    assert places(reported) == [("MKT530", *at(repo, EN, "VAT included", "VAT"))]
    assert said(reported) == [
        (
            "error",
            "'checkout.tax_line' in en, which ca, gb, ie, us read, writes the tax name 'VAT' "
            "(gb, ie); their taxes have different names: ca: GST, HST, PST, QST, RST; gb: VAT; "
            "ie: VAT; us: Sales tax",
            "write {tax} and pass Market.tax_message_arguments(...): each market's tax.yaml "
            "names its tax",
        )
    ]


def test_a_rate_and_a_period_in_german_which_germany_and_austria_read(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / DE,
        'checkout.tax_line: "{tax} ({tax_rate})"',
        'checkout.tax_line: "{tax} ({tax_rate}) – inkl. 19 % MwSt., 2 Jahre Gewährleistung"',
    )

    reported = hardcoded(capsys, repo)

    # MwSt. is both markets' name; 19 % is Germany's rate only (Austria: 20 %); two years is
    # Germany's guarantee as recorded in years, Austria's is recorded in months.
    assert places(reported) == [
        ("MKT530", *at(repo, DE, "inkl. 19 %", "19 %")),
        ("MKT530", *at(repo, DE, "inkl. 19 %", "2 Jahre")),
    ]
    assert [f["message"] for f in reported] == [
        "'checkout.tax_line' in de, which at, de read, writes the rate '19 %', a tax rate of "
        "de only",
        "'checkout.tax_line' in de, which at, de read, writes the period '2 Jahre', a legal "
        "period of de only",
    ]


def test_a_fact_every_reader_shares_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Sweden and Finland (sv-FI) both call their VAT moms, and both give 14 days to withdraw.
    edit(
        repo / SV,
        'checkout.tax_line: "{tax} ({tax_rate})"',
        'checkout.tax_line: "{tax} ({tax_rate}) – moms ingår, ångerrätt i 14 dagar"',
    )

    assert hardcoded(capsys, repo) == []


def test_an_argument_named_like_a_tax_is_not_text(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / FR,
        'checkout.tax_line: "{tax} ({tax_rate})"',
        'checkout.tax_line: "{tax} ({tax_rate}){tva, select, other {}}"',
    )

    assert places(hardcoded(capsys, repo)) == []


def test_the_us_checkout_showing_vat_from_its_own_catalogue(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    en_us = "markets/us/messages/en-US.yaml"
    (repo / "markets/us/messages").mkdir()
    (repo / en_us).write_text(
        "# yaml-language-server: $schema=../../../schemas/messages.schema.json\n"
        'checkout.tax_line: "VAT {tax} ({tax_rate})"\n',
        encoding="utf-8",
    )

    reported = hardcoded(capsys, repo)

    assert places(reported) == [("MKT530", en_us, 2, 21)]
    assert said(reported) == [
        (
            "error",
            "live market us shows 'checkout.tax_line' in en-US with the tax name 'VAT', the "
            "tax of gb, ie; us's own is Sales tax",
            "write {tax} and pass Market.tax_message_arguments(...), or give the market its "
            "own en-US text",
        )
    ]
    outcome = invoke(capsys, repo, "validate", "us")
    assert outcome.code == 1


def test_a_planned_market_checkout_is_not_checked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / "markets/us/market.yaml", "status: live", "status: planned")
    (repo / "markets/us/messages").mkdir()
    (repo / "markets/us/messages/en-US.yaml").write_text(
        'checkout.tax_line: "VAT {tax} ({tax_rate})"\n', encoding="utf-8"
    )

    assert hardcoded(capsys, repo) == []
