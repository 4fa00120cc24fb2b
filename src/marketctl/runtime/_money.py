"""Exact money arithmetic: rounding to the currency's digits with the market's rounding, and
the price formatter that rounds the same way.

Amounts are ``int`` or finite :class:`~decimal.Decimal`; a ``float`` is refused (it is not the
amount that was written). Intermediate results are exact :class:`~fractions.Fraction` values, so
no decimal context (the service's thread-local one included) can change a result.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

from marketctl.runtime.numbers import (
    MAX_AMOUNT_DIGITS,
    NumberFormatter,
    check_amount,
    grouping_of,
    parse_pattern,
    symbols_of,
)

__all__ = ["ROUNDINGS", "PriceFormatter", "exact_amount", "round_fraction"]

#: The bundle's ``price_rounding`` names and the :mod:`decimal` modes they stand for.
ROUNDINGS: Final = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}

# Every amount within the limit, exactly; independent of the caller's thread-local context.
_CONTEXT: Final = Context(prec=2 * MAX_AMOUNT_DIGITS)

Amount = Decimal | int


def exact_amount(value: object, name: str) -> Fraction:
    """An ``int`` or finite ``Decimal`` within :data:`~marketctl.runtime.numbers.
    MAX_AMOUNT_DIGITS` as an exact fraction; TypeError/ValueError otherwise."""
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        check_amount(value, name)
        return Fraction(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{name} must be a finite amount, got {value}")
        check_amount(value, name)
        return Fraction(value)
    raise TypeError(
        f"{name} must be an int or a Decimal, not {type(value).__name__} (a float is not an "
        "exact amount: pass Decimal('12.34'))"
    )


def round_fraction(value: Fraction, digits: int, rounding: str) -> Decimal:
    """``value`` rounded to ``digits`` fraction digits: ``half_up`` rounds ties away from zero
    (ROUND_HALF_UP), ``half_even`` to the even digit (ROUND_HALF_EVEN)."""
    scaled = abs(value) * 10**digits
    units, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * remainder
    if twice > scaled.denominator or (
        twice == scaled.denominator and (rounding == "half_up" or units % 2 == 1)
    ):
        units += 1
    if value < 0:
        units = -units
    return Decimal(units).scaleb(-digits, _CONTEXT)


class PriceFormatter(NumberFormatter):
    """The locale's currency format for the market's currency, rounding a Decimal amount to the
    currency digits with the market's ``price_rounding`` first.

    :class:`~marketctl.runtime.numbers.NumberFormatter` alone rounds half-even (the CLDR
    default for displaying numbers); a price on screen must be the amount the market charges,
    which is rounded with the market's rule. Messages (``{amount, number, currency}``) get this
    formatter too, so a price reads the same in ``format_price`` and inside a sentence.
    """

    __slots__ = (
        "_decimal_replaces",
        "_fraction_width",
        "_grouped_length",
        "_price_quantum",
        "_price_rounding",
        "_primary_from_end",
        "_quick",
    )

    def __init__(
        self,
        locale: Mapping[str, Any],
        currency: Mapping[str, Any],
        rounding: str,
    ) -> None:
        tag = locale["tag"]
        decimal, group, minus, plus, percent, per_mille = symbols_of(locale)
        digits: int = currency["digits"]
        pattern = parse_pattern(locale["patterns"]["currency"])
        super().__init__(
            pattern,
            decimal_symbol=decimal,
            group_symbol=group,
            currency_symbol=currency["symbols"][tag],
            currency_code=currency["code"],
            fraction_digits=digits,
            minus_sign=minus,
            plus_sign=plus,
            percent_sign=percent,
            per_mille=per_mille,
            minimum_grouping_digits=grouping_of(locale),
        )
        self._price_quantum = Decimal(1).scaleb(-digits)
        self._price_rounding = ROUNDINGS[rounding]
        # The text that format lays out is str() of the rounded amount, "1299.50" (an int's
        # str() and the fraction zeros), with the locale's decimal symbol: the integer digits
        # are all but the last `_fraction_width` characters, and a text this long or longer
        # has a grouped integer part (CLDR minimumGroupingDigits).
        self._fraction_width = len(decimal) + digits if digits else 0
        primary = pattern.primary_grouping
        self._grouped_length = (
            self._fraction_width + (self._group_from or primary + 1) if primary else sys.maxsize
        )
        self._primary_from_end = self._fraction_width + primary
        self._quick = pattern.min_integer_digits == 1 and pattern.scale == 0
        self._decimal_replaces = bool(digits) and decimal != "."

    def _round(self, value: Amount) -> Amount:
        check_amount(value, "amount")  # the one limit: as round_price and gross_price have it
        if type(value) is int or not isinstance(value, Decimal) or not value.is_finite():
            return value  # ints are exact; the base class reports anything else
        try:
            return value.quantize(self._price_quantum, self._price_rounding, _CONTEXT)
        except InvalidOperation:
            raise ValueError(
                f"cannot format {value}: more than {_CONTEXT.prec} significant digits"
            ) from None

    def format(self, value: Amount) -> str:
        # What NumberFormatter.format after _round writes, cut short for speed (issue 26:
        # within 1.5 times JavaScript's Intl.NumberFormat). One rounding: the base class's
        # half-even rounding to the currency digits changes nothing after the price rounding
        # to the same digits. And str() of the rounded amount is laid out with slices, not
        # format specs, partition and join. tests/runtime/test_money.py proves that it writes
        # what the general path writes.
        if type(value) is Decimal and self._quick and value.is_finite():
            # The one limit, as everywhere else (check_amount): a plain text of at most
            # MAX_AMOUNT_DIGITS characters is within it, and the check costs more than that.
            plain = str(value)
            if len(plain) > MAX_AMOUNT_DIGITS or "E" in plain:
                check_amount(value, "amount")
            try:
                text = str(value.quantize(self._price_quantum, self._price_rounding, _CONTEXT))
            except InvalidOperation:
                return super().format(self._round(value))
            if self._decimal_replaces:
                text = text.replace(".", self._decimal)
        elif type(value) is int and self._quick:
            check_amount(value, "amount")
            text = str(value) + self._int_fraction
        else:
            return super().format(self._round(value))
        # Babel and ICU take the sign before rounding: -0.001 is "-$0.00"; quantize keeps it.
        if text[0] == "-":
            text = text[1:]
            prefix = self._negative_prefix
            suffix = self._negative_suffix
        else:
            prefix = self._positive_prefix
            suffix = self._positive_suffix
        length = len(text)
        if length < self._grouped_length:
            return f"{prefix}{text}{suffix}"
        # Where the primary group starts: up to one secondary group's digits before it take
        # one separator, up to two two (1 234 567,00 kr), more the general loop.
        split = length - self._primary_from_end
        if split <= self._secondary:
            return f"{prefix}{text[:split]}{self._group}{text[split:]}{suffix}"
        second = split - self._secondary
        if second <= self._secondary:
            group = self._group
            return (
                f"{prefix}{text[:second]}{group}{text[second:split]}{group}{text[split:]}{suffix}"
            )
        integer = split + self._primary
        return f"{prefix}{self._group_digits(text[:integer])}{text[integer:]}{suffix}"

    def rounded(self, value: Amount) -> Amount:
        return super().rounded(self._round(value))

    def format_rounded(self, value: Amount) -> tuple[str, Amount]:
        return super().format_rounded(self._round(value))
