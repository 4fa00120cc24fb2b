"""Number, percent and currency formatting from a bundle's plain CLDR data.

A backend service formats prices with this module without touching Babel's locale database:
the patterns and symbols come from the dicts that :func:`marketctl.reference.cldr.locale_data` and
:func:`marketctl.reference.cldr.currency_data` put into the bundle at compile time.

The output is what ``babel.numbers.format_decimal`` / ``format_percent`` /
``format_currency(amount, code, locale=...)`` (Babel 2.18, ``numbering_system="latn"``) return
for the same CLDR data, with one difference where Babel departs from the standard and ICU:

- the special characters ``-``, ``+``, ``%`` and ``‰`` of a pattern's prefix and suffix stand for
  the locale's ``minusSign``, ``plusSign``, ``percentSign`` and ``perMille`` symbols (UTS #35,
  Part 3, "Special Pattern Characters"), as ICU (and every service using it) writes them:
  ``−1 234,50 kr`` with U+2212 in ``sv``; Babel copies the ASCII characters.

- CLDR's ``minimumGroupingDigits`` (UTS #35, Part 3, "Number Symbols") decides when the
  grouping separator appears: with 2 (``es``, ``it``, ``pt-PT``, ``pl``) a four-digit integer
  part is not grouped, ``1299,50\u00a0€`` but ``12.999,50\u00a0€``, as ICU and every browser
  write it; Babel does not carry the value and groups from the fourth digit.

And where Babel and ICU differ in ways no market here meets:

- no CLDR ``currencySpacing`` is applied (UTS #35, Part 3, "Currencies"): ICU formats CHF in
  ``en-US`` as ``CHF 1,299.00``, Babel and we as ``CHF1,299.00``;
- the currency's ISO 4217 digits (CLDR ``supplementalData/currencyData``, ``digits``) replace the
  pattern's fraction digits, never the cash digits.

Rounding is ROUND_HALF_EVEN, the CLDR/ICU default rounding mode (and what Babel gets from the
default :mod:`decimal` context); unlike Babel we do not depend on the caller's thread-local
decimal context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Final

__all__ = [
    "NumberFormatter",
    "NumberPattern",
    "currency_formatter",
    "decimal_formatter",
    "format_currency",
    "format_decimal",
    "format_percent",
    "grouping_of",
    "integer_formatter",
    "parse_pattern",
    "percent_formatter",
    "symbols_of",
]

# Precision 28 is the default decimal context's, which is what Babel rounds with; a private
# context keeps results independent of whatever the service did to the thread's context.
_CONTEXT: Final = Context(prec=28, rounding=ROUND_HALF_EVEN)

# UTS #35, Part 3, "Number Patterns": prefix, number part, suffix. The same split as Babel's
# ``_number_pattern_re``, so that prefixes and suffixes come out identical.
_PATTERN_RE: Final = re.compile(
    r"(?P<prefix>(?:[^'0-9@#.,]|'[^']*')*)"
    r"(?P<number>[0-9@#.,E+]*)"
    r"(?P<suffix>.*)",
)
_AFFIX_PARTS_RE: Final = re.compile(r"('[^']*')|([^']+)")

Number = Decimal | int


@dataclass(frozen=True, slots=True)
class NumberPattern:
    """A CLDR number pattern such as ``#,##0.00\u00a0¤`` split into what formatting needs."""

    pattern: str
    positive_prefix: str
    positive_suffix: str
    negative_prefix: str
    negative_suffix: str
    # Digits in the group next to the decimal separator, and in the groups further left:
    # (3, 3) for ``#,##0``, (3, 2) for the Indian ``#,##,##0``; 0 means no grouping.
    primary_grouping: int
    secondary_grouping: int
    min_integer_digits: int
    min_fraction_digits: int
    max_fraction_digits: int
    # Power of ten the value is multiplied by: 2 for a percent pattern, 3 for per mille.
    scale: int

    def with_fraction_digits(self, minimum: int, maximum: int) -> NumberPattern:
        return replace(self, min_fraction_digits=minimum, max_fraction_digits=maximum)


def _precision(part: str) -> tuple[int, int]:
    """Minimum and maximum digits of an integer or fraction part (``0`` counts, ``#`` may)."""
    minimum = maximum = 0
    for char in part:
        if char == "0":
            minimum += 1
            maximum += 1
        elif char == "#":
            maximum += 1
        elif char != ",":
            break
    return minimum, maximum


def _grouping(integer: str) -> tuple[int, int]:
    """Primary and secondary grouping sizes, read from the positions of the commas."""
    last = integer.rfind(",")
    if last == -1:
        return 0, 0
    primary = len(integer) - last - 1
    previous = integer[:last].rfind(",")
    if previous == -1:
        return primary, primary
    return primary, last - previous - 1


@lru_cache(maxsize=512)
def parse_pattern(pattern: str) -> NumberPattern:
    """Parse a CLDR decimal, percent or currency pattern (``positive;negative``).

    Only what CLDR's standard patterns use is supported: significant digits (``@``), scientific
    notation (``E``) and padding (``*``) raise :class:`ValueError`.
    """
    positive, _, negative = pattern.partition(";")
    match = _PATTERN_RE.fullmatch(positive)
    if match is None:  # pragma: no cover - the suffix group accepts anything
        raise ValueError(f"invalid number pattern {pattern!r}")
    prefix, number, suffix = match.group("prefix", "number", "suffix")
    if not number:
        raise ValueError(f"number pattern {pattern!r} has no digits")
    if "@" in number or "E" in number or "*" in pattern:
        raise ValueError(
            f"number pattern {pattern!r}: significant digits, exponents and padding "
            "are not supported",
        )
    if negative:
        negative_match = _PATTERN_RE.fullmatch(negative)
        if negative_match is None:  # pragma: no cover
            raise ValueError(f"invalid negative number pattern {pattern!r}")
        # UTS #35: the negative subpattern only contributes its prefix and suffix.
        negative_prefix, negative_suffix = negative_match.group("prefix", "suffix")
    else:
        # UTS #35: without a negative subpattern the negative form is "-" + positive form.
        negative_prefix, negative_suffix = "-" + prefix, suffix
    integer, _, fraction = number.partition(".")
    affixes = prefix + suffix
    scale = 2 if "%" in affixes else 3 if "\u2030" in affixes else 0
    min_integer, _ = _precision(integer)
    min_fraction, max_fraction = _precision(fraction)
    primary, secondary = _grouping(integer)
    return NumberPattern(
        pattern=pattern,
        positive_prefix=prefix,
        positive_suffix=suffix,
        negative_prefix=negative_prefix,
        negative_suffix=negative_suffix,
        primary_grouping=primary,
        secondary_grouping=secondary,
        min_integer_digits=min_integer,
        min_fraction_digits=min_fraction,
        max_fraction_digits=max_fraction,
        scale=scale,
    )


def _affix(
    text: str,
    currency_symbol: str | None,
    currency_code: str | None,
    signs: Mapping[str, str],
) -> str:
    """Substitute the currency sign and the locale's signs, and drop pattern quoting."""
    if "¤" in text:
        if currency_symbol is None or currency_code is None:
            raise ValueError(f"pattern affix {text!r} has a currency sign but no currency")
        if "¤¤¤" in text:
            # The long name depends on the plural form of the amount; no CLDR standard
            # pattern uses it.
            raise ValueError(f"pattern affix {text!r}: currency long names are not supported")
        text = text.replace("¤¤", currency_code).replace("¤", currency_symbol)
    pieces = []
    for quoted, literal in _AFFIX_PARTS_RE.findall(text):
        if quoted:
            pieces.append(quoted[1:-1] or "'")  # '' is a quote; 'x' is x, never a symbol
        else:
            pieces.append("".join(signs.get(char, char) for char in literal))
    return "".join(pieces)


class NumberFormatter:
    """One pattern bound to one locale's symbols (and currency): build once, format many.

    :meth:`format` takes an ``int`` or a finite :class:`~decimal.Decimal`; floats are refused
    because a binary float is not an exact amount (convert with ``Decimal(str(x))`` if you
    must).
    """

    __slots__ = (
        "_decimal",
        "_fast",
        "_group",
        "_group_from",
        "_int_fraction",
        "_int_grouped_from",
        "_min_fraction",
        "_min_integer",
        "_min_quantum",
        "_multiplier",
        "_negative_prefix",
        "_negative_suffix",
        "_positive_prefix",
        "_positive_suffix",
        "_primary",
        "_quantum",
        "_scale",
        "_secondary",
        "_spec",
        "_trim",
        "pattern",
    )

    def __init__(
        self,
        pattern: NumberPattern,
        *,
        decimal_symbol: str,
        group_symbol: str,
        currency_symbol: str | None = None,
        currency_code: str | None = None,
        fraction_digits: int | None = None,
        minus_sign: str = "-",
        plus_sign: str = "+",
        percent_sign: str = "%",
        per_mille: str = "\u2030",
        minimum_grouping_digits: int = 1,
    ) -> None:
        signs = {"-": minus_sign, "+": plus_sign, "%": percent_sign, "\u2030": per_mille}
        if fraction_digits is not None:
            # A currency's ISO digits override the pattern's, as minimum and maximum (Babel's
            # currency_digits=True, ICU's default currency precision).
            pattern = pattern.with_fraction_digits(fraction_digits, fraction_digits)
        self.pattern = pattern
        currency = (currency_symbol, currency_code, signs)
        self._positive_prefix = _affix(pattern.positive_prefix, *currency)
        self._positive_suffix = _affix(pattern.positive_suffix, *currency)
        self._negative_prefix = _affix(pattern.negative_prefix, *currency)
        self._negative_suffix = _affix(pattern.negative_suffix, *currency)
        self._decimal = decimal_symbol
        self._group = group_symbol
        self._primary = pattern.primary_grouping
        self._secondary = pattern.secondary_grouping
        self._min_integer = pattern.min_integer_digits
        self._min_fraction = pattern.min_fraction_digits
        self._scale = pattern.scale
        self._multiplier = 10**pattern.scale
        self._quantum = Decimal(1).scaleb(-pattern.max_fraction_digits)
        self._min_quantum = Decimal(1).scaleb(-pattern.min_fraction_digits)
        self._trim = pattern.min_fraction_digits < pattern.max_fraction_digits
        # What an exact integer gets after the digits: the minimum fraction, all zeros.
        self._int_fraction = (
            decimal_symbol + "0" * pattern.min_fraction_digits
            if pattern.min_fraction_digits
            else ""
        )
        # Python's "," format spec groups by threes, which covers every pattern with equal
        # primary and secondary groups of 3 or no grouping at all; the rest (the Indian
        # #,##,##0) takes the general loop.
        self._fast = pattern.min_integer_digits <= 1 and (
            (pattern.primary_grouping, pattern.secondary_grouping) in ((3, 3), (0, 0))
        )
        self._spec = ",f" if self._fast and pattern.primary_grouping else "f"
        # UTS #35 minimumGroupingDigits: an integer part shorter than the primary group plus
        # this many digits is written without separators (ICU's "min2" grouping strategy).
        # The shortest integer part that is grouped; 0 where that is any part.
        self._group_from = (
            pattern.primary_grouping + minimum_grouping_digits
            if pattern.primary_grouping and minimum_grouping_digits > 1
            else 0
        )
        self._int_grouped_from = 10 ** (self._group_from - 1) if self._group_from else 0

    def format(self, value: Number) -> str:
        """The value formatted with this pattern (negative values use the negative affixes)."""
        if type(value) is int:
            # Exact integers never need rounding: skip Decimal altogether.
            if self._scale:
                value *= self._multiplier
            negative = value < 0
            if negative:
                value = -value
            if value < self._int_grouped_from:
                digits = str(value).rjust(self._min_integer, "0")
            elif self._fast:
                digits = format(value, "," if self._primary else "d")
                if self._group != ",":
                    digits = digits.replace(",", self._group)
            else:
                digits = self._group_digits(str(value))
            number = digits + self._int_fraction
        elif isinstance(value, Decimal):
            negative, plain = self._plain(value)
            number = self._localize(plain)
        else:
            raise TypeError(
                f"can only format int or Decimal amounts, not {type(value).__name__}",
            )
        if negative:
            return self._negative_prefix + number + self._negative_suffix
        return self._positive_prefix + number + self._positive_suffix

    def rounded(self, value: Number) -> Number:
        """The value as :meth:`format` shows it: scaled, rounded, with trailing zeros dropped
        down to the minimum fraction digits.

        ICU selects a plural form on this visible number (``PluralRules.select`` on the
        formatter's ``FixedDecimal``), so that "1.0" formatted as "1" takes the ``one`` form.
        """
        if type(value) is int:
            return self._rounded_int(value)
        if not isinstance(value, Decimal):
            raise TypeError(
                f"can only format int or Decimal amounts, not {type(value).__name__}",
            )
        negative, plain = self._plain(value)
        plain = plain.replace(",", "")
        return Decimal("-" + plain if negative else plain)

    def format_rounded(self, value: Number) -> tuple[str, Number]:
        """:meth:`format` and :meth:`rounded` at the cost of one rounding."""
        if type(value) is int:
            return self.format(value), self._rounded_int(value)
        if not isinstance(value, Decimal):
            raise TypeError(
                f"can only format int or Decimal amounts, not {type(value).__name__}",
            )
        negative, plain = self._plain(value)
        number = self._localize(plain)
        plain = plain.replace(",", "")
        if negative:
            text = self._negative_prefix + number + self._negative_suffix
            return text, Decimal("-" + plain)
        return self._positive_prefix + number + self._positive_suffix, Decimal(plain)

    def _rounded_int(self, value: int) -> Number:
        scaled = value * self._multiplier if self._scale else value
        if self._min_fraction:
            # "$1.00" shows two fraction digits: v = 2 for the plural rules.
            try:
                return Decimal(scaled).quantize(self._min_quantum, context=_CONTEXT)
            except InvalidOperation:
                raise ValueError(
                    f"cannot format {value}: more than {_CONTEXT.prec} significant digits"
                ) from None
        return scaled

    def _plain(self, value: Decimal) -> tuple[bool, str]:
        """The sign, and the digits shown as ASCII text: "1,234.5" when Python's own grouping
        by threes fits the pattern (see ``_fast``), "1234.5" otherwise."""
        if not value.is_finite():
            raise ValueError(f"cannot format {value}")
        if self._scale:
            value = value.scaleb(self._scale, _CONTEXT)
        # Babel takes the sign before rounding: -0.001 as a price is "-$0.00", like ICU.
        negative = value.is_signed()
        try:
            rounded = value.copy_abs().quantize(self._quantum, context=_CONTEXT)
        except InvalidOperation:
            raise ValueError(
                f"cannot format {value}: more than {_CONTEXT.prec} significant digits"
            ) from None
        plain = format(rounded, self._spec)
        if self._trim:
            # Drop trailing fraction zeros, keeping at least the minimum (Babel's _format_frac;
            # UTS #35: "#" digits are shown only when not zero at the end).
            integer, _, fraction = plain.partition(".")
            fraction = fraction.rstrip("0")
            if len(fraction) < self._min_fraction:
                fraction = fraction.ljust(self._min_fraction, "0")
            plain = integer + "." + fraction if fraction else integer
        return negative, plain

    def _localize(self, plain: str) -> str:
        """Group the integer digits and put in the locale's separators."""
        integer, _, fraction = plain.partition(".")
        if self._group_from and len(integer) - integer.count(",") < self._group_from:
            integer = integer.replace(",", "").rjust(self._min_integer, "0")
        elif self._fast:
            if self._group != ",":
                integer = integer.replace(",", self._group)
        else:
            integer = self._group_digits(integer)
        return integer + self._decimal + fraction if fraction else integer

    def _group_digits(self, digits: str) -> str:
        """Pad to the minimum integer digits, then group: primary size first, secondary after
        (UTS #35, "Grouping"; the same loop as Babel's ``_format_int``)."""
        if len(digits) < self._min_integer:
            digits = "0" * (self._min_integer - len(digits)) + digits
        size = self._primary
        if not size:
            return digits
        groups: list[str] = []
        while len(digits) > size:
            groups.append(digits[-size:])
            digits = digits[:-size]
            size = self._secondary
        groups.append(digits)
        groups.reverse()
        return self._group.join(groups)

    def __repr__(self) -> str:
        return f"NumberFormatter({self.pattern.pattern!r})"


# Builders keyed on exactly the strings they use, so every message and price of a locale
# shares one formatter however many times the bundle dicts are passed in.
@lru_cache(maxsize=1024)
def _formatter(
    pattern: str,
    symbols: tuple[str, str, str, str, str, str],
    currency_symbol: str | None,
    currency_code: str | None,
    fraction_digits: int | None,
    integer_only: bool,
    minimum_grouping_digits: int,
) -> NumberFormatter:
    parsed = parse_pattern(pattern)
    if integer_only:
        # ICU's "integer" argument style: the decimal pattern with no fraction digits,
        # rounded half-even (NumberFormat.getIntegerInstance).
        parsed = parsed.with_fraction_digits(0, 0)
    decimal, group, minus, plus, percent, per_mille = symbols
    return NumberFormatter(
        parsed,
        decimal_symbol=decimal,
        group_symbol=group,
        currency_symbol=currency_symbol,
        currency_code=currency_code,
        fraction_digits=fraction_digits,
        minus_sign=minus,
        plus_sign=plus,
        percent_sign=percent,
        per_mille=per_mille,
        minimum_grouping_digits=minimum_grouping_digits,
    )


def grouping_of(locale: Mapping[str, Any]) -> int:
    """CLDR's minimum grouping digits of the locale; 1 (root's) where the data has none."""
    value: int = locale.get("minimum_grouping_digits", 1)
    return value


def symbols_of(locale: Mapping[str, Any]) -> tuple[str, str, str, str, str, str]:
    """The locale's decimal, group, minus, plus, percent and per-mille symbols (CLDR names)."""
    symbols = locale["symbols"]
    return (
        symbols["decimal"],
        symbols["group"],
        symbols.get("minusSign", "-"),
        symbols.get("plusSign", "+"),
        symbols.get("percentSign", "%"),
        symbols.get("perMille", "\u2030"),
    )


def _plain_formatter(
    locale: Mapping[str, Any], kind: str, *, integer_only: bool
) -> NumberFormatter:
    """The locale's decimal or percent pattern, with no currency."""
    return _formatter(
        locale["patterns"][kind],
        symbols_of(locale),
        None,
        None,
        None,
        integer_only,
        grouping_of(locale),
    )


def decimal_formatter(locale: Mapping[str, Any]) -> NumberFormatter:
    """The locale's standard decimal format (``#,##0.###`` for most)."""
    return _plain_formatter(locale, "decimal", integer_only=False)


def integer_formatter(locale: Mapping[str, Any]) -> NumberFormatter:
    """The decimal format without fraction digits (ICU ``{n, number, integer}``)."""
    return _plain_formatter(locale, "decimal", integer_only=True)


def percent_formatter(locale: Mapping[str, Any]) -> NumberFormatter:
    """The locale's percent format; 0.25 formats as 25%."""
    return _plain_formatter(locale, "percent", integer_only=False)


def currency_formatter(
    locale: Mapping[str, Any],
    currency: Mapping[str, Any],
) -> NumberFormatter:
    """The locale's standard (not accounting) currency format for one currency."""
    tag = locale["tag"]
    code = currency["code"]
    try:
        symbol = currency["symbols"][tag]
    except KeyError:
        raise KeyError(f"currency data for {code} has no symbol for locale {tag}") from None
    return _formatter(
        locale["patterns"]["currency"],
        symbols_of(locale),
        symbol,
        code,
        currency["digits"],
        False,
        grouping_of(locale),
    )


def format_decimal(value: Number, locale: Mapping[str, Any]) -> str:
    return decimal_formatter(locale).format(value)


def format_percent(value: Number, locale: Mapping[str, Any]) -> str:
    return percent_formatter(locale).format(value)


def format_currency(
    value: Number,
    locale: Mapping[str, Any],
    currency: Mapping[str, Any],
) -> str:
    """A price: ``format_currency(Decimal("1299"), sv_se, sek)`` → ``'1\u00a0299,00\u00a0kr'``."""
    return currency_formatter(locale, currency).format(value)
