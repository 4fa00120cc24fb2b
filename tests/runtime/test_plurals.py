"""marketctl.runtime.plurals: CLDR plural categories from the bundle's rule strings."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from babel import Locale

from marketctl.reference.cldr import locale_data
from marketctl.runtime.plurals import (
    PluralRules,
    cardinal_rules,
    ordinal_rules,
    plural_category,
    plural_rules,
)

LOCALES = [
    "ja-JP",
    "sv-SE",
    "en-CA",
    "fr-CA",
    "en-US",
    "de-DE",
    "fr-FR",
    "en-IN",
    "ar-EG",
    "nl-NL",
    "pl-PL",
]
VALUES: list[int | Decimal] = [
    0,
    1,
    2,
    3,
    4,
    5,
    11,
    12,
    13,
    14,
    21,
    22,
    23,
    25,
    100,
    101,
    102,
    111,
    1000000,
    2000000,
    1000001,
    -1,
    -22,
    Decimal("0.0"),
    Decimal("1.0"),
    Decimal("1.5"),
    Decimal("2.50"),
    Decimal("0.1"),
    Decimal("10.0"),
    Decimal("1E+6"),
    Decimal("1000000.0"),
    Decimal("21.1"),
    Decimal("0.01"),
    Decimal("3.10"),
    Decimal("-1.5"),
]


def _locale(tag: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(locale_data(tag)))
    return loaded


def test_english_one_needs_no_visible_fraction() -> None:
    en = _locale("en-US")
    assert plural_category(1, en) == "one"
    assert plural_category(Decimal("1"), en) == "one"
    assert plural_category(Decimal("1.0"), en) == "other"
    assert plural_category(Decimal("1.00"), en) == "other"
    assert plural_category(0, en) == "other"
    assert plural_category(2, en) == "other"
    assert plural_category(-1, en) == "one"


def test_french_many_for_millions() -> None:
    fr = _locale("fr-FR")
    assert plural_category(0, fr) == "one"
    assert plural_category(1, fr) == "one"
    assert plural_category(Decimal("1.5"), fr) == "one"
    assert plural_category(2, fr) == "other"
    assert plural_category(1000000, fr) == "many"
    assert plural_category(Decimal("1E+6"), fr) == "many"
    assert plural_category(3000000, fr) == "many"
    assert plural_category(1000001, fr) == "other"
    assert plural_category(Decimal("1000000.0"), fr) == "other"
    assert plural_category(1000000, _locale("fr-CA")) == "many"


def test_japanese_is_always_other() -> None:
    ja = _locale("ja-JP")
    for value in (0, 1, 2, 5, 100, Decimal("1.0"), Decimal("0.5")):
        assert plural_category(value, ja) == "other"
        assert plural_category(value, ja, ordinal=True) == "other"
    assert cardinal_rules(ja).categories == ("other",)


def test_polish_few_and_many() -> None:
    pl = _locale("pl-PL")
    expected = {
        1: "one",
        2: "few",
        3: "few",
        4: "few",
        22: "few",
        104: "few",
        0: "many",
        5: "many",
        11: "many",
        12: "many",
        14: "many",
        21: "many",
        25: "many",
        112: "many",
    }
    for value, category in expected.items():
        assert plural_category(value, pl) == category, value
    assert plural_category(Decimal("1.5"), pl) == "other"
    assert plural_category(Decimal("2.0"), pl) == "other"
    assert cardinal_rules(pl).categories == ("one", "few", "many", "other")


def test_english_ordinals() -> None:
    en = _locale("en-CA")
    expected = {
        1: "one",
        2: "two",
        3: "few",
        4: "other",
        11: "other",
        12: "other",
        13: "other",
        21: "one",
        22: "two",
        23: "few",
        101: "one",
        111: "other",
        112: "other",
    }
    for value, category in expected.items():
        assert plural_category(value, en, ordinal=True) == category, value
    assert ordinal_rules(en).categories == ("one", "two", "few", "other")


def test_floats_follow_their_shortest_repr() -> None:
    en = _locale("en-US")
    # An integral float is an integer (as in Babel); a binary float is read through repr().
    assert plural_category(1.0, en) == "one"  # type: ignore[arg-type]
    assert plural_category(1.5, en) == "other"  # type: ignore[arg-type]


def test_refuses_non_numbers() -> None:
    en = _locale("en-US")
    with pytest.raises(TypeError):
        plural_category(True, en)
    with pytest.raises(TypeError):
        plural_category("1", en)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        plural_category(Decimal("NaN"), en)


def test_rules_are_compiled_once() -> None:
    en = _locale("en-US")
    assert cardinal_rules(en) is cardinal_rules(_locale("en-CA"))
    assert isinstance(cardinal_rules(en), PluralRules)
    assert plural_rules({"one": "n is 1"}).select(1) == "one"
    assert plural_rules({"one": "n within 1..2"}).select(Decimal("1.5")) == "one"
    assert plural_rules({"one": "n in 1..2"}).select(Decimal("1.5")) == "other"


@pytest.mark.parametrize("tag", LOCALES)
def test_matches_babel(tag: str) -> None:
    locale = Locale.parse(tag, sep="-")
    data = _locale(tag)
    for value in VALUES:
        assert plural_category(value, data) == locale.plural_form(value), value
        assert plural_category(value, data, ordinal=True) == locale.ordinal_form(value), value
