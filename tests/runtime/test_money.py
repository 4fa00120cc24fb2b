"""marketctl.runtime._money.PriceFormatter: its quick layout writes what the general path writes.

``PriceFormatter.format`` rounds once and lays out ``str()`` of the rounded amount itself (issue
26); the general path is ``NumberFormatter.format`` after the price rounding, which Babel and
node's Intl are compared with (tests/runtime/test_numbers.py, tests/test_intl_prices.py). The
two must agree on every amount, errors included: random Decimals and ints of any size and
exponent, negatives, negative zero and rounding ties, in locales that group by threes from the
fourth or the fifth digit (CLDR minimumGroupingDigits 2), by threes then twos (en-IN), with
multi-character and non-ASCII symbols and with 0, 2 and 3 currency digits.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from marketctl.reference.cldr import currency_data, locale_data
from marketctl.runtime._money import ROUNDINGS, PriceFormatter
from marketctl.runtime.numbers import NumberFormatter

# Locale -> currency: min grouping 1 and 2, spaces and dots and apostrophes as groups, Indian
# grouping, a three-digit currency, a zero-digit one, a currency code in the pattern.
CASES = [
    ("sv-SE", "SEK"),
    ("ja-JP", "JPY"),
    ("es-ES", "EUR"),
    ("pl-PL", "PLN"),
    ("fr-CA", "CAD"),
    ("en-US", "USD"),
    ("de-CH", "CHF"),
    ("en-IN", "INR"),
    ("ar-KW", "KWD"),
    ("de-DE", "EUR"),
]


def _formatter(tag: str, code: str, rounding: str) -> PriceFormatter:
    # What a service sees: the bundle's JSON, not Python objects shared with the compiler.
    locale: dict[str, Any] = json.loads(json.dumps(locale_data(tag)))
    currency: dict[str, Any] = json.loads(json.dumps(currency_data(code, [tag])))
    return PriceFormatter(locale, currency, rounding)


FORMATTERS = [
    _formatter(tag, code, rounding) for tag, code in CASES for rounding in sorted(ROUNDINGS)
]


def _outcome(call: Any, value: object) -> tuple[str, str]:
    try:
        return ("text", call(value))
    except (TypeError, ValueError) as error:
        return (type(error).__name__, str(error))


def _general(formatter: PriceFormatter, value: object) -> str:
    return NumberFormatter.format(formatter, formatter._round(value))  # type: ignore[arg-type]


def _assert_same(value: object) -> None:
    for formatter in FORMATTERS:
        quick = _outcome(formatter.format, value)
        general = _outcome(lambda v, f=formatter: _general(f, v), value)
        assert quick == general, (formatter.pattern.pattern, value)


# Digits and an exponent, so that sizes spread evenly from 1E-40 to 1E+40 and beyond what a
# price or the display context takes; ties come from coefficients ending in 5.
_decimals = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(d) for d in digits), exponent)),
    st.integers(0, 1),
    st.text("0123456789", min_size=1, max_size=40) | st.sampled_from(["5", "15", "25", "125"]),
    st.integers(-45, 45) | st.sampled_from([-999999, -1000, 1000, 999999]),
)


@settings(max_examples=400, deadline=None)
@given(_decimals)
@example(Decimal("-0"))
@example(Decimal("-0.00"))
@example(Decimal("-0.004"))
@example(Decimal("0.005"))
@example(Decimal("0.125"))
@example(Decimal("2.5"))
@example(Decimal("-2.675"))
@example(Decimal("999.995"))
@example(Decimal("9999.995"))
@example(Decimal("99999.995"))
@example(Decimal("999999.995"))
@example(Decimal("1E+27"))
@example(Decimal("9999999999999999999999999999.5"))
@example(Decimal("1E-999999"))
@example(Decimal("1E+999999"))
def test_quick_layout_writes_what_the_general_path_writes_for_decimals(value: Decimal) -> None:
    _assert_same(value)


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**40), 10**40) | st.integers(-99999, 99999))
@example(0)
@example(-1)
@example(999)
@example(1000)
@example(-9999)
@example(10000)
@example(999999)
@example(1000000)
@example(-123456789)
@example(1234567890)
def test_quick_layout_writes_what_the_general_path_writes_for_ints(value: int) -> None:
    _assert_same(value)


@pytest.mark.parametrize(
    "value",
    [
        Decimal("NaN"),
        Decimal("-NaN"),
        Decimal("NaN123"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        1.5,
        True,
        "12",
        None,
        pytest.param(10**5000, id="int of 5001 digits (beyond str()'s limit)"),
    ],
    ids=repr,
)
def test_what_is_no_amount_is_refused_as_the_general_path_refuses_it(value: object) -> None:
    _assert_same(value)


def test_the_quick_layout_is_the_one_taken() -> None:
    """The comparison above compares two paths: the quick one writes these amounts itself."""
    swedish = _formatter("sv-SE", "SEK", "half_up")
    assert swedish._quick
    assert swedish.format(Decimal("-1234567.895")) == "\u22121\u00a0234\u00a0567,90\u00a0kr"
    assert swedish.format(1299) == "1\u00a0299,00\u00a0kr"
    spanish = _formatter("es-ES", "EUR", "half_even")
    assert spanish.format(Decimal("1299.505")) == "1299,50\u00a0€"
    assert spanish.format(Decimal("12999.515")) == "12.999,52\u00a0€"
    indian = _formatter("en-IN", "INR", "half_up")
    assert indian.format(Decimal("12345678.5")) == "₹1,23,45,678.50"
