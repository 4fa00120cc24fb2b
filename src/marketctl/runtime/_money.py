"""Exact money arithmetic: rounding to the currency's digits with the market's rounding, and
the price formatter that rounds the same way.

Amounts are ``int`` or finite :class:`~decimal.Decimal`; a ``float`` is refused (it is not the
amount that was written). Intermediate results are exact :class:`~fractions.Fraction` values, so
no decimal context (the service's thread-local one included) can change a result.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

from marketctl.runtime.numbers import NumberFormatter, grouping_of, parse_pattern, symbols_of

__all__ = ["ROUNDINGS", "PriceFormatter", "exact_amount", "round_fraction"]

#: The bundle's ``price_rounding`` names and the :mod:`decimal` modes they stand for.
ROUNDINGS: Final = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}

# Enough digits for any price; independent of the caller's thread-local context.
_CONTEXT: Final = Context(prec=60)

Amount = Decimal | int

#: Amounts are below 10**MAX_AMOUNT_DIGITS and have at most that many fraction digits: an
#: amount beyond them is no price, and exact arithmetic on 1E+999999 or 1E-999999 would cost
#: unbounded time and memory (issue 13).
MAX_AMOUNT_DIGITS: Final = 30
_LIMIT: Final = 10**MAX_AMOUNT_DIGITS


def exact_amount(value: object, name: str) -> Fraction:
    """An ``int`` or finite ``Decimal`` as an exact fraction; TypeError/ValueError otherwise."""
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        if not -_LIMIT < value < _LIMIT:
            raise ValueError(f"{name} has more than {MAX_AMOUNT_DIGITS} digits")
        return Fraction(int(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{name} must be a finite amount, got {value}")
        exponent = value.as_tuple().exponent
        if value.adjusted() >= MAX_AMOUNT_DIGITS or (
            isinstance(exponent, int) and exponent < -MAX_AMOUNT_DIGITS
        ):
            raise ValueError(f"{name} has more than {MAX_AMOUNT_DIGITS} integer or fraction digits")
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

    __slots__ = ("_price_quantum", "_price_rounding")

    def __init__(
        self,
        locale: Mapping[str, Any],
        currency: Mapping[str, Any],
        rounding: str,
    ) -> None:
        tag = locale["tag"]
        decimal, group, minus, plus, percent, per_mille = symbols_of(locale)
        digits: int = currency["digits"]
        super().__init__(
            parse_pattern(locale["patterns"]["currency"]),
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

    def _round(self, value: Amount) -> Amount:
        if type(value) is int or not isinstance(value, Decimal) or not value.is_finite():
            return value  # ints are exact; the base class reports anything else
        try:
            return value.quantize(self._price_quantum, self._price_rounding, _CONTEXT)
        except InvalidOperation:
            raise ValueError(
                f"cannot format {value}: more than {_CONTEXT.prec} significant digits"
            ) from None

    def format(self, value: Amount) -> str:
        return super().format(self._round(value))

    def rounded(self, value: Amount) -> Amount:
        return super().rounded(self._round(value))

    def format_rounded(self, value: Amount) -> tuple[str, Amount]:
        return super().format_rounded(self._round(value))
