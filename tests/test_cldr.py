"""marketctl.reference.cldr: the plain CLDR data that bundles carry."""

from __future__ import annotations

import json

import pytest
from babel.core import get_cldr_version

from marketctl.reference.cldr import (
    CldrDataError,
    currency_data,
    grouping_data_version,
    locale_data,
    minimum_grouping_digits,
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


def test_sv_se_locale_data_exact() -> None:
    assert locale_data("sv-SE") == {
        "cldr_locale": "sv_SE",
        "cldr_version": get_cldr_version(),
        "minimum_grouping_digits": 1,
        "numbering_system": "latn",
        "patterns": {
            "currency": "#,##0.00\u00a0¤",
            "decimal": "#,##0.###",
            "percent": "#,##0\u00a0%",
        },
        "plurals": {
            "cardinal": {"categories": ["one", "other"], "rules": {"one": "i in 1 and v in 0"}},
            "ordinal": {
                "categories": ["one", "other"],
                "rules": {"one": "n mod 10 in 1,2 and n mod 100 not in 11,12"},
            },
        },
        "symbols": {
            "approximatelySign": "~",
            "decimal": ",",
            "exponential": "×10^",
            "group": "\u00a0",
            "infinity": "∞",
            "list": ";",
            "minusSign": "\u2212",
            "nan": "NaN",
            "perMille": "‰",
            "percentSign": "%",
            "plusSign": "+",
            "superscriptingExponent": "×",
            "timeSeparator": ":",
        },
        "tag": "sv-SE",
    }


@pytest.mark.parametrize("tag", LOCALES)
def test_locale_data_is_plain_json(tag: str) -> None:
    data = locale_data(tag)
    # A JSON round trip changes nothing: no Decimal, no tuple, no LocaleDataDict.
    assert json.loads(json.dumps(data)) == data
    assert list(data) == sorted(data)
    assert data["tag"] == tag


@pytest.mark.parametrize("tag", LOCALES)
def test_plural_categories_include_other_in_cldr_order(tag: str) -> None:
    order = ["zero", "one", "two", "few", "many", "other"]
    for kind in ("cardinal", "ordinal"):
        plural = locale_data(tag)["plurals"][kind]
        assert plural["categories"][-1] == "other"
        assert plural["categories"] == sorted(plural["categories"], key=order.index)
        assert set(plural["categories"]) == set(plural["rules"]) | {"other"}


def test_plural_data_per_language() -> None:
    assert locale_data("ja-JP")["plurals"]["cardinal"] == {"categories": ["other"], "rules": {}}
    assert locale_data("fr-CA")["plurals"]["cardinal"]["categories"] == ["one", "many", "other"]
    assert locale_data("pl-PL")["plurals"]["cardinal"]["categories"] == [
        "one",
        "few",
        "many",
        "other",
    ]
    assert locale_data("en-CA")["plurals"]["ordinal"]["categories"] == [
        "one",
        "two",
        "few",
        "other",
    ]


def test_patterns_per_locale() -> None:
    assert locale_data("en-IN")["patterns"]["decimal"] == "#,##,##0.###"
    assert locale_data("nl-NL")["patterns"]["currency"] == "¤\u00a0#,##0.00;¤\u00a0-#,##0.00"
    assert locale_data("fr-FR")["symbols"]["group"] == "\u202f"
    assert locale_data("fr-CA")["symbols"]["group"] == "\u00a0"
    # ar-EG's CLDR default numbering system is arab; the bundle has latn, like Babel's default.
    ar = locale_data("ar-EG")
    assert ar["numbering_system"] == "latn"
    assert ar["symbols"]["decimal"] == "."
    assert ar["cldr_locale"] == "ar_EG"


def test_currency_data_exact() -> None:
    assert currency_data("SEK", ["sv-SE", "en-US", "sv-SE"]) == {
        "code": "SEK",
        "digits": 2,
        "symbols": {"en-US": "SEK", "sv-SE": "kr"},
    }
    assert currency_data("JPY", ["ja-JP", "en-US"]) == {
        "code": "JPY",
        "digits": 0,
        "symbols": {"en-US": "¥", "ja-JP": "￥"},
    }
    assert currency_data("CAD", ["en-CA", "fr-CA", "en-US"])["symbols"] == {
        "en-CA": "$",
        "en-US": "CA$",
        "fr-CA": "$",
    }
    assert currency_data("KWD", [])["digits"] == 3


def test_unknown_locale_and_currency() -> None:
    with pytest.raises(CldrDataError, match="xx-YY"):
        locale_data("xx-YY")
    with pytest.raises(CldrDataError, match="ABC"):
        currency_data("ABC", ["en-US"])
    with pytest.raises(CldrDataError, match="en-XX"):
        currency_data("SEK", ["en-XX"])


# Locales whose plural rules come from a parent exception, a script, a region or root.
_PLURAL_SAMPLES = [
    "en",
    "en-001",
    "en-150",
    "en-CA",
    "en-IE",
    "fr",
    "fr-CA",
    "fr-BE",
    "pt",
    "pt-PT",
    "pt-BR",
    "es-419",
    "es-ES",
    "sv-FI",
    "de-AT",
    "el-GR",
    "sk-SK",
    "ja-JP",
    "zh-Hant-HK",
    "zh-Hans",
    "sr-Latn",
    "sr-Cyrl-BA",
    "az-Arab",
    "ga-IE",
    "ar-EG",
    "cy",
    "lt",
    "ru-UA",
    "yue-Hans",
]


@pytest.mark.parametrize("tag", _PLURAL_SAMPLES)
def test_plural_rules_read_from_own_files_match_babel(tag: str) -> None:
    from babel import Locale

    from marketctl.reference.cldr import plural_rules_of

    locale = Locale.parse(tag, sep="-")
    assert plural_rules_of(tag) == dict(locale.plural_form.rules)
    assert plural_rules_of(tag, ordinal=True) == dict(locale.ordinal_form.rules)


def test_plural_rules_of_an_unknown_locale_is_none() -> None:
    from marketctl.reference.cldr import plural_rules_of

    assert plural_rules_of("xx-QQ") is None
    assert plural_rules_of("not a tag") is None


@pytest.mark.parametrize(
    ("name", "digits"),
    [
        # CLDR's own value (UTS #35 minimumGroupingDigits), as ICU and browsers apply it.
        ("es", 2),
        ("es_ES", 2),  # default content: no entry of its own, es's value
        ("es_MX", 1),  # Latin American Spanish overrides es
        ("it_IT", 2),
        ("pt_PT", 2),
        ("pt_MZ", 2),  # inherits from pt_PT (a CLDR parent exception), not from pt
        ("pt_BR", 1),
        ("pl_PL", 2),
        ("sv_SE", 1),
        ("de_AT", 1),
        ("en_IN", 1),
        ("root", 1),
    ],
)
def test_minimum_grouping_digits(name: str, digits: int) -> None:
    assert minimum_grouping_digits(name) == digits


def test_minimum_grouping_digits_reach_locale_data() -> None:
    assert locale_data("es-ES")["minimum_grouping_digits"] == 2
    assert locale_data("fr-CA")["minimum_grouping_digits"] == 1
    assert grouping_data_version().split(".")[0].isdigit()
