"""Tax names and rates reach messages as arguments from the market's data (issue 20, item 3):
``Market.tax_name`` and ``Market.tax_message_arguments``, rendered through ``runtime.load`` of a
real build of the shipped markets."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketctl import runtime
from marketctl.reference import cldr
from marketctl.runtime import (
    Market,
    Markets,
    RateProviderRequiredError,
    RegionRequiredError,
    UnknownTaxError,
)
from marketctl.runtime.numbers import format_rate
from marketctl.testing import build_bundles, edit_bundle

REPOSITORY = Path(__file__).resolve().parents[2]
NBSP = "\u00a0"
DAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("config")
    shutil.copytree(REPOSITORY / "markets", root / "markets")
    return build_bundles(tmp_path_factory.mktemp("built") / "dist", root=root)


@pytest.fixture(scope="module")
def markets(built: Path) -> Markets:
    return runtime.load(built, insecure=True)


@pytest.fixture
def edited(
    built: Path, tmp_path: Path
) -> Callable[[str, Callable[[dict[str, Any]], None]], Market]:
    def edit(code: str, change: Callable[[dict[str, Any]], None]) -> Market:
        copy = tmp_path / "dist"
        shutil.copytree(built, copy)
        edit_bundle(copy, code, change)
        return runtime.load(copy, insecure=True)[code]

    return edit


def tax_line(market: Market, locale: str, **options: Any) -> str:
    args = market.tax_message_arguments(locale, on=DAY, **options)
    return market.message("checkout.tax_line", locale=locale, **args)


def test_the_us_checkout_reads_a_sales_tax_line(markets: Markets) -> None:
    us = markets["us"]
    # The order's rate comes from the sales-tax rate provider: the bundle has none.
    assert tax_line(us, "en-US", percent=Decimal("8.25")) == "Sales tax (8.25%)"
    assert tax_line(us, "en-US", percent=7) == "Sales tax (7%)"
    with pytest.raises(RateProviderRequiredError) as error:
        us.tax_message_arguments("en-US", on=DAY)
    assert str(error.value) == (
        "market 'us' charges sales tax: pass percent= (the order's rate from the sales-tax "
        "rate provider) to tax_message_arguments()"
    )


def test_quebec_shows_gst_and_qst_at_14_975_percent(markets: Markets) -> None:
    ca = markets["ca"]
    assert tax_line(ca, "en-CA", region="CA-QC") == "GST + QST (14.975%)"
    assert tax_line(ca, "fr-CA", region="CA-QC") == f"TPS + TVQ (14,975{NBSP}%)"
    assert ca.tax_message_arguments("fr-CA", region="CA-QC", on=DAY) == {
        "tax": "TPS + TVQ",
        "tax_rate": f"14,975{NBSP}%",
    }


@pytest.mark.parametrize(
    ("region", "english", "french"),
    [
        ("CA-ON", "HST (13%)", f"TVH (13{NBSP}%)"),
        ("CA-NS", "HST (14%)", f"TVH (14{NBSP}%)"),
        ("CA-BC", "GST + PST (12%)", f"TPS + TVP (12{NBSP}%)"),
        ("CA-SK", "GST + PST (11%)", f"TPS + TVP (11{NBSP}%)"),
        ("CA-MB", "GST + RST (12%)", f"TPS + TVD (12{NBSP}%)"),
        ("CA-AB", "GST (5%)", f"TPS (5{NBSP}%)"),
        ("ca-yt", "GST (5%)", f"TPS (5{NBSP}%)"),
    ],
)
def test_each_canadian_province_names_its_own_taxes(
    markets: Markets, region: str, english: str, french: str
) -> None:
    ca = markets["ca"]
    assert tax_line(ca, "en-CA", region=region) == english
    assert tax_line(ca, "fr-CA", region=region) == french


def test_a_regional_component_is_named_only_while_in_force(markets: Markets) -> None:
    # Prince Edward Island's HST is recorded from 2013-04-01 at 14 %, 15 % from 2016-10-01.
    ca = markets["ca"]
    assert ca.tax_name("en-CA", region="CA-PE", on=date(2014, 1, 1)) == "HST"
    assert tax_line(ca, "en-CA", region="CA-PE") == "HST (15%)"


def test_canada_needs_the_region_to_name_its_tax(markets: Markets) -> None:
    with pytest.raises(RegionRequiredError) as error:
        markets["ca"].tax_message_arguments("en-CA", on=DAY)
    assert str(error.value) == (
        "market 'ca' taxes by region: pass region= one of CA-AB, CA-BC, CA-MB, CA-NB, CA-NL, "
        "CA-NS, CA-NT, CA-NU, CA-ON, CA-PE, CA-QC, CA-SK, CA-YT (the national rate alone is "
        "not the rate in most of them)"
    )


EXPECTED = {
    ("at", "de-AT"): f"MwSt. (20{NBSP}%)",
    ("be", "fr-BE"): f"TVA (21{NBSP}%)",
    ("be", "nl-BE"): "Btw (21%)",
    ("de", "de-DE"): f"MwSt. (19{NBSP}%)",
    ("es", "es-ES"): f"IVA (21{NBSP}%)",
    ("fi", "fi-FI"): f"ALV (25,5{NBSP}%)",
    ("fi", "sv-FI"): f"Moms (25,5{NBSP}%)",
    ("fr", "fr-FR"): f"TVA (20{NBSP}%)",
    ("gb", "en-GB"): "VAT (20%)",
    ("gr", "el-GR"): "ΦΠΑ (24%)",
    ("ie", "en-IE"): "VAT (23%)",
    ("it", "it-IT"): "IVA (22%)",
    ("jp", "ja-JP"): "消費税（10%）",
    ("nl", "nl-NL"): "Btw (21%)",
    ("pt", "pt-PT"): "IVA (23%)",
    ("se", "sv-SE"): f"Moms (25{NBSP}%)",
    ("sk", "sk-SK"): f"DPH (23{NBSP}%)",
}


def test_every_market_names_its_own_tax_in_each_locale(markets: Markets) -> None:
    shown = {}
    for code in sorted({code for code, _ in EXPECTED}):
        market = markets[code]
        region = "PT-11" if code == "pt" else None  # Lisboa: the mainland rate
        for locale in market.locales:
            shown[code, locale] = tax_line(market, locale, region=region)
    assert shown == EXPECTED


def test_madeira_names_its_regional_vat(markets: Markets) -> None:
    pt = markets["pt"]
    assert tax_line(pt, "pt-PT", region="PT-30") == "IVA (22%)"


def test_a_vat_market_refuses_a_rate_from_outside(markets: Markets) -> None:
    with pytest.raises(ValueError) as error:
        markets["se"].tax_message_arguments("sv-SE", on=DAY, percent=Decimal("25"))
    assert str(error.value) == (
        "market 'se' has its rates in the bundle: call tax_message_arguments() without percent="
    )


def test_a_bundle_without_the_name_says_what_to_write(
    edited: Callable[[str, Callable[[dict[str, Any]], None]], Market],
) -> None:
    def drop_french(bundle: dict[str, Any]) -> None:
        del bundle["tax"]["names"]["qst"]["fr"]

    ca = edited("ca", drop_french)
    assert ca.tax_name("en-CA", region="CA-QC", on=DAY) == "GST + QST"
    with pytest.raises(UnknownTaxError) as error:
        ca.tax_name("fr-CA", region="CA-QC", on=DAY)
    assert str(error.value) == (
        "market 'ca' has no name for its qst in fr-CA: the bundle's tax.names.qst has no 'fr' "
        "(write it in the market's tax.yaml)"
    )


@pytest.mark.parametrize(
    ("percent", "locale", "expected"),
    [
        ("14.975", "en", "14.975%"),
        ("14.975", "fr-CA", f"14,975{NBSP}%"),
        ("25.50", "fi", f"25,5{NBSP}%"),
        ("8", "de-AT", f"8{NBSP}%"),
        ("10", "ja", "10%"),
    ],
)
def test_a_rate_is_shown_with_every_digit_it_has(percent: str, locale: str, expected: str) -> None:
    assert format_rate(Decimal(percent), cldr.locale_data(locale)) == expected


def test_the_reference_names_are_the_markets_names() -> None:
    """``marketctl new`` writes the reference data's tax_names: they must be what the shipped
    markets call their tax."""
    from ruamel.yaml import YAML

    from marketctl.reference.consumer_law import tax_law

    markets = {}
    for path in sorted((REPOSITORY / "markets").glob("[a-z][a-z]/tax.yaml")):
        names = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["names"]["national"]
        markets[path.parent.name.upper()] = names
    reference = {country: dict(names) for country, names in tax_law().tax_names.items()}
    # Every shipped market's name is the reference's; the reference may name more countries
    # (Poland, for `marketctl new pl`).
    assert {country: reference.get(country) for country in markets} == markets


def test_a_sales_tax_market_checks_the_region_it_is_given(markets: Markets) -> None:
    us = markets["us"]
    assert us.tax_name("en-US", region="US-TX", on=DAY) == "Sales tax"
    with pytest.raises(UnknownTaxError) as error:
        us.tax_message_arguments("en-US", region="US-XX", on=DAY, percent=Decimal("8.25"))
    assert str(error.value).startswith("market 'us' has no tax region 'US-XX' (regions: US-AK, ")
