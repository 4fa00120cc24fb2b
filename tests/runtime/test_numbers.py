"""marketctl.runtime.numbers: prices and numbers from plain bundle data, exactly as Babel."""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

import pytest
from babel import Locale
from babel.numbers import format_currency as babel_currency
from babel.numbers import format_decimal as babel_decimal
from babel.numbers import format_percent as babel_percent

from marketctl.reference.cldr import currency_data, locale_data
from marketctl.runtime.numbers import (
    NumberFormatter,
    currency_formatter,
    decimal_formatter,
    format_currency,
    format_decimal,
    format_percent,
    integer_formatter,
    parse_pattern,
    percent_formatter,
)

NBSP = "\u00a0"
NNBSP = "\u202f"

# Locale -> the market currency it is used with.
MARKETS = {
    "ja-JP": "JPY",
    "sv-SE": "SEK",
    "en-CA": "CAD",
    "fr-CA": "CAD",
    "en-US": "USD",
    "de-DE": "EUR",
    "fr-FR": "EUR",
    "en-IN": "INR",
    "ar-EG": "EGP",
    "nl-NL": "EUR",
    "pl-PL": "PLN",
}
OTHER_CURRENCIES = ["JPY", "USD", "CHF", "KWD"]
AMOUNTS = ["0", "1", "-1", "0.5", "1299", "1234567.891", "-1234.5", "-0.001", "2.675", "0.125"]


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """What a service sees: the bundle's JSON, not Python objects shared with the compiler."""
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


def _locale(tag: str) -> dict[str, Any]:
    return _plain(locale_data(tag))


def _currency(code: str, tag: str) -> dict[str, Any]:
    return _plain(currency_data(code, [tag]))


def _price(amount: str | int, tag: str, code: str | None = None) -> str:
    value = Decimal(amount) if isinstance(amount, str) else amount
    return format_currency(value, _locale(tag), _currency(code or MARKETS[tag], tag))


def test_contract_examples() -> None:
    assert _price("1299", "ja-JP") == "￥1,299"
    assert _price("1299", "sv-SE") == f"1{NBSP}299,00{NBSP}kr"
    assert _price("1299", "fr-CA") == f"1{NBSP}299,00{NBSP}$"
    assert _price("1299", "en-CA") == "$1,299.00"


def test_negative_amounts() -> None:
    assert _price("-1299", "ja-JP") == "-￥1,299"
    # CLDR's sv minusSign is U+2212, as ICU writes it (Babel would keep the ASCII hyphen).
    assert _price("-1234.5", "sv-SE") == f"\u22121{NBSP}234,50{NBSP}kr"
    assert _price("-1234.5", "fr-CA") == f"-1{NBSP}234,50{NBSP}$"
    assert _price("-1234.5", "en-CA") == "-$1,234.50"
    # An explicit negative subpattern: ¤ -#,##0.00.
    assert _price("-1234.5", "nl-NL") == f"€{NBSP}-1.234,50"
    # The sign is taken before rounding, as in Babel and ICU.
    assert _price("-0.001", "en-US") == "-$0.00"


def test_other_locales_exact() -> None:
    assert _price("1234567.891", "en-IN") == "₹12,34,567.89"
    assert _price("1234567.891", "fr-FR") == f"1{NNBSP}234{NNBSP}567,89{NBSP}€"
    assert _price("1299", "de-DE") == f"1.299,00{NBSP}€"
    # CLDR's minimumGroupingDigits is 2 in pl, es, it and pt-PT: four integer digits stay
    # ungrouped, five are grouped (ICU, and every browser, write the same; Babel does not).
    assert _price("1299", "pl-PL") == f"1299,00{NBSP}zł"
    assert _price("12999", "pl-PL") == f"12{NBSP}999,00{NBSP}zł"
    assert _price("-1299.5", "es-ES", "EUR") == f"-1299,50{NBSP}€"
    assert _price("-12999.5", "es-ES", "EUR") == f"-12.999,50{NBSP}€"
    assert _price("9999.995", "it-IT", "EUR") == f"10.000,00{NBSP}€"
    assert _price("1234567", "pt-PT", "EUR") == f"1{NBSP}234{NBSP}567,00{NBSP}€"
    assert _price("1299", "ar-EG") == f"\u200f1,299.00{NBSP}ج.م.\u200f"
    # No CLDR currencySpacing, like Babel (ICU would write "CHF 1,299.00").
    assert _price("1299", "en-US", "CHF") == "CHF1,299.00"
    assert _price("1299", "en-US", "CAD") == "CA$1,299.00"
    assert _price("1299", "fr-FR", "USD") == f"1{NNBSP}299,00{NBSP}$US"


def test_currency_digits_and_half_even_rounding() -> None:
    assert _price("0.5", "ja-JP") == "￥0"
    assert _price("1.5", "ja-JP") == "￥2"
    assert _price("-1234.5", "ja-JP") == "-￥1,234"
    assert _price("0.125", "en-US") == "$0.12"
    assert _price("0.135", "en-US") == "$0.14"
    assert _price("1.2345", "en-US", "KWD") == "KWD1.234"


def test_int_and_decimal_agree() -> None:
    sv = _locale("sv-SE")
    sek = _currency("SEK", "sv-SE")
    for value in (0, 7, -7, 1299, -1234567, 10**15):
        assert format_currency(value, sv, sek) == format_currency(Decimal(value), sv, sek)
        assert format_decimal(value, sv) == format_decimal(Decimal(value), sv)
        assert format_percent(value, sv) == format_percent(Decimal(value), sv)
    en_in = _locale("en-IN")
    assert format_decimal(123456789, en_in) == "12,34,56,789"


def test_decimal_and_percent() -> None:
    sv = _locale("sv-SE")
    assert format_decimal(Decimal("1234567.891"), sv) == f"1{NBSP}234{NBSP}567,891"
    assert format_decimal(Decimal("1.50"), sv) == "1,5"
    assert format_decimal(Decimal("2.0000"), sv) == "2"
    assert format_decimal(Decimal("0.0004"), sv) == "0"
    assert format_percent(Decimal("0.25"), sv) == f"25{NBSP}%"
    assert format_percent(Decimal("-0.256"), _locale("en-US")) == "-26%"
    assert integer_formatter(_locale("en-US")).format(Decimal("2.5")) == "2"
    assert integer_formatter(_locale("en-US")).format(Decimal("1234.5")) == "1,234"


def test_independent_of_thread_decimal_context() -> None:
    en = _locale("en-US")
    usd = _currency("USD", "en-US")
    with localcontext() as context:
        context.prec = 3
        context.rounding = ROUND_DOWN
        assert format_currency(Decimal("1234567.891"), en, usd) == "$1,234,567.89"
        assert format_currency(Decimal("0.125"), en, usd) == "$0.12"


def test_refuses_floats_bools_and_non_finite() -> None:
    formatter = decimal_formatter(_locale("en-US"))
    with pytest.raises(TypeError, match="float"):
        formatter.format(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bool"):
        formatter.format(True)
    with pytest.raises(ValueError, match="NaN"):
        formatter.format(Decimal("NaN"))
    with pytest.raises(ValueError, match="Infinity"):
        formatter.format(Decimal("-Infinity"))


def test_missing_locale_symbol() -> None:
    with pytest.raises(KeyError, match="no symbol for locale sv-SE"):
        currency_formatter(_locale("sv-SE"), _currency("SEK", "en-US"))


def test_parse_pattern() -> None:
    indian = parse_pattern("¤#,##,##0.00")
    assert (indian.primary_grouping, indian.secondary_grouping) == (3, 2)
    assert (indian.min_fraction_digits, indian.max_fraction_digits) == (2, 2)
    assert indian.negative_prefix == "-¤"
    dutch = parse_pattern("¤\u00a0#,##0.00;¤\u00a0-#,##0.00")
    assert (dutch.negative_prefix, dutch.negative_suffix) == ("¤\u00a0-", "")
    assert parse_pattern("#,##0\u00a0%").scale == 2
    assert parse_pattern("#,##0‰").scale == 3
    assert parse_pattern("0.######").primary_grouping == 0
    for unsupported in ("@@#", "0.###E0", "*x#,##0"):
        with pytest.raises(ValueError, match="not supported"):
            parse_pattern(unsupported)


def test_quoted_pattern_text_and_currency_code_sign() -> None:
    # Quoting handled as Babel does (a regex over the result): "''" is one apostrophe.
    pattern = parse_pattern("'#'¤¤\u00a0#,##0.00 o''clock")
    formatter = NumberFormatter(
        pattern,
        decimal_symbol=".",
        group_symbol=",",
        currency_symbol="$",
        currency_code="USD",
        fraction_digits=2,
    )
    assert formatter.format(Decimal("1299")) == "#USD\u00a01,299.00 o'clock"
    with pytest.raises(ValueError, match="no currency"):
        NumberFormatter(parse_pattern("¤#,##0.00"), decimal_symbol=".", group_symbol=",")


def test_rounded_is_the_visible_number() -> None:
    en = _locale("en-US")
    assert decimal_formatter(en).rounded(Decimal("1.0")) == 1
    assert str(decimal_formatter(en).rounded(Decimal("1.0"))) == "1"
    assert str(decimal_formatter(en).rounded(Decimal("-2.50"))) == "-2.5"
    assert str(decimal_formatter(en).rounded(Decimal("1.23456"))) == "1.235"
    usd = _currency("USD", "en-US")
    assert str(currency_formatter(en, usd).rounded(1)) == "1.00"
    assert str(currency_formatter(en, usd).rounded(Decimal(1))) == "1.00"


def _matrix() -> list[tuple[str, str, str]]:
    cases = []
    for tag, market_currency in MARKETS.items():
        for code in [market_currency, *OTHER_CURRENCIES]:
            for amount in AMOUNTS:
                cases.append((tag, code, amount))
    return cases


@pytest.mark.parametrize(("tag", "code", "amount"), _matrix())
def test_matches_babel(tag: str, code: str, amount: str) -> None:
    babel_locale = Locale.parse(tag, sep="-")
    locale = _locale(tag)
    value = Decimal(amount)
    currency = _currency(code, tag)
    money = currency_formatter(locale, currency)
    assert money.format(value) == _with_locale_signs(
        babel_currency(
            value, code, locale=babel_locale, group_separator=_grouped(money, value, locale)
        ),
        locale,
    )
    number = decimal_formatter(locale)
    assert number.format(value) == _with_locale_signs(
        babel_decimal(value, locale=babel_locale, group_separator=_grouped(number, value, locale)),
        locale,
    )
    percent = percent_formatter(locale)
    assert percent.format(value) == _with_locale_signs(
        babel_percent(value, locale=babel_locale, group_separator=_grouped(percent, value, locale)),
        locale,
    )


def _grouped(formatter: NumberFormatter, value: Decimal, locale: dict[str, Any]) -> bool:
    """Whether CLDR's minimumGroupingDigits lets the visible number be grouped: Babel does not
    read the setting and groups from the fourth digit; ICU groups an integer part only when it
    has at least primary grouping + minimumGroupingDigits digits."""
    visible = abs(formatter.rounded(value))
    digits = len(str(int(visible))) if visible >= 1 else 1
    return digits >= formatter.pattern.primary_grouping + locale["minimum_grouping_digits"]


def _with_locale_signs(babel_output: str, locale: dict[str, Any]) -> str:
    """Babel copies a pattern's - and % as ASCII; CLDR (UTS #35) and ICU write the locale's
    minusSign and percentSign symbols. Nothing else in these outputs holds - or %."""
    symbols = locale["symbols"]
    return babel_output.replace("-", symbols["minusSign"]).replace("%", symbols["percentSign"])


def test_signs_are_the_locales_as_in_icu() -> None:
    # What ICU (and so JavaScript's Intl.NumberFormat) writes for these locales.
    sv = _locale("sv-SE")
    assert format_currency(Decimal("-1234.5"), sv, _currency("SEK", "sv-SE")) == (
        f"\u22121{NBSP}234,50{NBSP}kr"
    )
    assert format_decimal(Decimal(-1), sv) == "\u22121"
    assert format_percent(Decimal("-0.25"), sv) == f"\u221225{NBSP}%"
    en = _locale("en-CA")
    assert format_currency(Decimal("-1299"), en, _currency("CAD", "en-CA")) == "-$1,299.00"
