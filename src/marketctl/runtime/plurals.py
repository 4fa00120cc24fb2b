"""CLDR plural category selection from a bundle's plain rule strings.

The bundle carries each locale's cardinal and ordinal rules as the CLDR rule strings Babel
renders (``{"one": "i in 1 and v in 0"}``, see
:func:`marketctl.reference.cldr.locale_data`). They are parsed with
:class:`babel.plural.PluralRule` (a pure function of the string, no locale database) and
compiled once per rule set into one Python function.

Operands follow UTS #35, Part 3, "Plural Operand Meanings": a :class:`~decimal.Decimal` keeps
its visible fraction digits, so ``Decimal("1.0")`` has ``v = 1`` and is ``other`` in English
while ``1`` is ``one``. The compact-exponent operands ``c``/``e`` are 0 (these are not compact
numbers), as in Babel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

__all__ = [
    "CATEGORIES",
    "PluralRules",
    "cardinal_rules",
    "ordinal_rules",
    "plural_category",
    "plural_rules",
]

# CLDR's fixed category names, in CLDR's order; "other" is the implicit fallback.
CATEGORIES: Final = ("zero", "one", "two", "few", "many", "other")

_OPERANDS: Final = frozenset("niwvftce")

Operands = tuple[Decimal | int, int, int, int, int, int, bool]


def _operands(value: object) -> Operands:
    """(n, i, v, w, f, t, n-is-integral) of a non-int number, per UTS #35.

    ``n`` is returned as an ``int`` whenever it is integral (``1.0`` → 1), so that ``n mod 10``
    and range tests work on plain integers; "in" relations on ``n`` additionally need the
    integral flag, because ``n = 1.5`` is not "in 1..2" (only "within").
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"no plural category for {value}")
        number = value.copy_abs()
    elif isinstance(value, float) and not isinstance(value, bool):
        # The shortest repr, not the binary expansion: 1.5 is "1.5" (what Babel does too).
        number = abs(Decimal(repr(value)))
        if not number.is_finite():
            raise ValueError(f"no plural category for {value}")
        if number == number.to_integral_value():
            whole = int(number)
            return whole, whole, 0, 0, 0, 0, True
    else:
        raise TypeError(f"no plural category for a {type(value).__name__}")
    integer, _, fraction = format(number, "f").partition(".")
    i = int(integer)
    if not fraction:
        return i, i, 0, 0, 0, 0, True
    f = int(fraction)
    trimmed = fraction.rstrip("0")
    t = int(trimmed) if trimmed else 0
    return (i if f == 0 else number), i, len(fraction), len(trimmed), f, t, f == 0


def _value(node: Any) -> int:
    kind, args = node
    if kind != "value" or len(args) != 1 or type(args[0]) is not int:
        raise ValueError(f"unexpected plural rule node {node!r}")
    return int(args[0])


def _expression(node: Any) -> tuple[str, str]:
    """Python source for an operand expression, and its operand letter."""
    kind, args = node
    if kind == "mod":
        operand, source = _expression(args[0])
        return operand, f"({source} % {_value(args[1])})"
    if kind in _OPERANDS and args == ():
        # c and e (compact exponent) are always 0 here.
        return kind, "0" if kind in "ce" else kind
    raise ValueError(f"unexpected plural rule node {node!r}")


def _condition(node: Any) -> str:
    """Python source for a condition of Babel's plural rule AST.

    Every leaf is an int from Babel's parser or a fixed operand name, so no text from the
    bundle reaches the generated source.
    """
    kind, args = node
    if kind in ("and", "or"):
        return f"({_condition(args[0])} {kind} {_condition(args[1])})"
    if kind == "not":
        return f"(not {_condition(args[0])})"
    if kind in ("is", "isnot"):
        _, source = _expression(args[0])
        return f"({source} {'==' if kind == 'is' else '!='} {_value(args[1])})"
    if kind == "relation":
        method, expression, (list_kind, ranges) = args
        if list_kind != "range_list" or method not in ("in", "within"):
            raise ValueError(f"unexpected plural rule node {node!r}")
        operand, source = _expression(expression)
        tests = []
        for low_node, high_node in ranges:
            low, high = _value(low_node), _value(high_node)
            tests.append(f"{source} == {low}" if low == high else f"{low} <= {source} <= {high}")
        test = f"({' or '.join(tests)})"
        # UTS #35: "in" (and "=") match integers only, "within" any value in the range.
        # Only n can be fractional; i, v, w, f and t are integers by definition.
        if method == "in" and operand == "n":
            test = f"(integral and {test})"
        return test
    raise ValueError(f"unexpected plural rule node {node!r}")


@lru_cache(maxsize=256)
def _compile(rules: tuple[tuple[str, str], ...]) -> Callable[[object], str]:
    from babel.plural import PluralRule  # rule-string parser only, no locale data

    # PluralRule sorts by category name and drops empty rules; we keep its evaluation order
    # so a (never expected) overlap between rules resolves as in Babel.
    abstract = PluralRule(dict(rules)).abstract
    lines = [
        "def select(value):",
        "    if type(value) is int:",
        "        n = i = value if value >= 0 else -value",
        "        v = w = f = t = 0",
        "        integral = True",
        "    else:",
        "        n, i, v, w, f, t, integral = operands(value)",
    ]
    for category, ast in abstract:
        if category not in CATEGORIES:
            raise ValueError(f"unknown plural category {category!r}")
        lines.append(f"    if {_condition(ast)}:")
        lines.append(f"        return {category!r}")
    lines.append("    return 'other'")
    namespace: dict[str, Any] = {"operands": _operands}
    # Generated code rather than nested closures: one call per selection, which keeps plural
    # messages within the runtime's per-call budget.
    exec(compile("\n".join(lines), "<plural rules>", "exec"), namespace)
    select: Callable[[object], str] = namespace["select"]
    return select


class PluralRules:
    """Compiled cardinal or ordinal rules of one locale."""

    __slots__ = ("categories", "rules", "select")

    def __init__(self, rules: Mapping[str, str]) -> None:
        self.rules: Mapping[str, str] = dict(rules)
        self.categories: tuple[str, ...] = tuple(
            c for c in CATEGORIES if c in self.rules or c == "other"
        )
        # select(value) -> category; an instance attribute so that callers pay one call.
        self.select: Callable[[object], str] = _compile(tuple(sorted(self.rules.items())))

    def __repr__(self) -> str:
        return f"PluralRules({self.rules!r})"


@lru_cache(maxsize=256)
def _cached(rules: tuple[tuple[str, str], ...]) -> PluralRules:
    return PluralRules(dict(rules))


def plural_rules(rules: Mapping[str, str]) -> PluralRules:
    """Compiled rules for a ``{category: rule string}`` mapping, shared across callers."""
    return _cached(tuple(sorted(rules.items())))


def cardinal_rules(locale: Mapping[str, Any]) -> PluralRules:
    """Cardinal rules ("1 item", "2 items") of a bundle locale dict."""
    rules: Mapping[str, str] = locale["plurals"]["cardinal"]["rules"]
    return plural_rules(rules)


def ordinal_rules(locale: Mapping[str, Any]) -> PluralRules:
    """Ordinal rules ("1st", "2nd", "3rd", "4th") of a bundle locale dict."""
    rules: Mapping[str, str] = locale["plurals"]["ordinal"]["rules"]
    return plural_rules(rules)


def plural_category(
    value: Decimal | int,
    locale: Mapping[str, Any],
    *,
    ordinal: bool = False,
) -> str:
    """The CLDR plural category of a number: ``"one"``, ``"few"``, ``"other"``..."""
    rules = ordinal_rules(locale) if ordinal else cardinal_rules(locale)
    return rules.select(value)
