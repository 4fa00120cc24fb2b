"""marketctl.runtime.icu: ICU MessageFormat from plain bundle data."""

from __future__ import annotations

import html
import json
from decimal import Decimal
from typing import Any

import pytest

from marketctl.reference.cldr import currency_data, locale_data
from marketctl.runtime.icu import (
    ArgumentTypeError,
    CompiledMessage,
    MessageLocale,
    MessageSyntaxError,
    MissingArgumentError,
    compile_message,
)

NBSP = "\u00a0"
MARKET_CURRENCY = {"en-US": "USD", "sv-SE": "SEK", "fr-CA": "CAD", "pl-PL": "PLN", "ja-JP": "JPY"}
ITEMS = "{count, plural, =0 {No items} one {# item} other {# items}}"


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


def _locale(tag: str, *, currency: bool = True) -> MessageLocale:
    money = _plain(currency_data(MARKET_CURRENCY[tag], [tag])) if currency else None
    return MessageLocale.from_data(_plain(locale_data(tag)), money)


def _format(source: str, tag: str = "en-US", **args: object) -> str:
    return compile_message(source, _locale(tag)).format(args)


def test_plain_arguments() -> None:
    assert _format("Hello {name}!", name="Ann") == "Hello Ann!"
    assert _format("No arguments") == "No arguments"
    assert _format("{n} left", n=1234567) == "1,234,567 left"
    assert _format("{n} kvar", "sv-SE", n=Decimal("1234.5")) == f"1{NBSP}234,5 kvar"


def test_plural_exact_match_before_categories() -> None:
    assert _format(ITEMS, count=0) == "No items"
    assert _format(ITEMS, count=Decimal("0.0")) == "No items"
    assert _format(ITEMS, count=1) == "1 item"
    assert _format(ITEMS, count=2) == "2 items"
    assert _format(ITEMS, count=1234) == "1,234 items"
    assert _format("{n, plural, =1 {exactly one} one {one} other {#}}", n=1) == "exactly one"


def test_plural_selects_on_the_displayed_number() -> None:
    # ICU picks the category of "#" as shown: 1.0 is shown as "1", so "one".
    assert _format(ITEMS, count=Decimal("1.0")) == "1 item"
    assert _format(ITEMS, count=Decimal("1.5")) == "1.5 items"
    assert _format(ITEMS, count=1.0) == "1 item"
    # ...with the format of the first number argument in "other" when there is no "#".
    source = "{n, plural, one {{n, number, integer} day} other {{n, number, integer} days}}"
    assert _format(source, n=Decimal("1.2")) == "1 day"
    # "$1.00" has visible fraction digits, so it is "other" in English, as in ICU.
    money = "{p, plural, one {{p, number, currency} (one)} other {{p, number, currency}}}"
    assert _format(money, p=1) == "$1.00"


def test_plural_offset_and_hash() -> None:
    source = (
        "{count, plural, offset:1 =0 {Nobody likes this} =1 {{host} likes this}"
        " one {{host} and # other like this} other {{host} and # others like this}}"
    )
    assert _format(source, count=0, host="Ann") == "Nobody likes this"
    assert _format(source, count=1, host="Ann") == "Ann likes this"
    assert _format(source, count=2, host="Ann") == "Ann and 1 other like this"
    assert _format(source, count=1002, host="Ann") == "Ann and 1,001 others like this"


def test_plural_categories_per_locale() -> None:
    pl = "{n, plural, one {# plik} few {# pliki} many {# plików} other {# pliku}}"
    assert _format(pl, "pl-PL", n=1) == "1 plik"
    assert _format(pl, "pl-PL", n=3) == "3 pliki"
    assert _format(pl, "pl-PL", n=5) == "5 plików"
    assert _format(pl, "pl-PL", n=Decimal("1.5")) == "1,5 pliku"
    fr = "{n, plural, one {# article} many {# d’articles} other {# articles}}"
    assert _format(fr, "fr-CA", n=0) == "0 article"
    assert _format(fr, "fr-CA", n=1000000) == f"1{NBSP}000{NBSP}000 d’articles"
    assert _format("{n, plural, other {#点}}", "ja-JP", n=1) == "1点"


def test_selectordinal() -> None:
    source = "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}"
    got = [_format(source, n=n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)]
    assert got == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "23rd",
        "101st",
        "111th",
    ]


def test_select_and_nesting() -> None:
    source = (
        "{gender, select, female {{n, plural, one {She has # item} other {She has # items}}}"
        " other {{n, plural, one {They have # item} other {They have # items}}}}"
    )
    assert _format(source, gender="female", n=1) == "She has 1 item"
    assert _format(source, gender="male", n=3) == "They have 3 items"
    inside = "{n, plural, one {# {g, select, f {Frau} other {Person #}}} other {# Leute}}"
    # "#" is the number only directly in a plural's sub-message, not in a nested select.
    assert _format(inside, n=1, g="f") == "1 Frau"
    assert _format(inside, n=1, g="x") == "1 Person #"
    assert _format(inside, n=2, g="x") == "2 Leute"


def test_number_styles() -> None:
    source = "{p, number, currency} ({r, number, percent}, {q, number, integer}, {x, number})"
    args = {"p": Decimal("1299"), "r": Decimal("0.25"), "q": Decimal("2.5"), "x": 1234.5}
    assert compile_message(source, _locale("sv-SE")).format(args) == (
        f"1{NBSP}299,00{NBSP}kr (25{NBSP}%, 2, 1{NBSP}234,5)"
    )
    assert compile_message(source, _locale("en-US")).format(args) == "$1,299.00 (25%, 2, 1,234.5)"
    assert _format("{p, number, currency}", "ja-JP", p=1299) == "￥1,299"
    assert _format("{p, number, currency}", "fr-CA", p=-1299) == f"-1{NBSP}299,00{NBSP}$"


def test_tags_are_kept_as_markup() -> None:
    source = "<b>{name}</b> has {n, plural, one {<i>#</i> item} other {<i>#</i> items}}<br/>"
    assert _format(source, name="Ann", n=3) == "<b>Ann</b> has <i>3</i> items<br/>"
    assert _format("<link>Read <strong>more</strong></link>") == (
        "<link>Read <strong>more</strong></link>"
    )
    assert _format("<b></b><br/><i> </i>") == "<b></b><br/><i> </i>"
    # A "<" that does not start a tag is text; "#" in a tag outside a plural is text too.
    assert _format("a < b <b>#1</b>") == "a < b <b>#1</b>"


def test_apostrophe_quoting() -> None:
    assert _format("It''s '{'literally'}' {n}", n=1) == "It's {literally} 1"
    assert _format("Don't worry") == "Don't worry"
    assert _format("{n, plural, other {'#' is #}}", n=5) == "# is 5"


def test_missing_argument() -> None:
    message = compile_message(ITEMS, _locale("en-US"), key="cart.items")
    with pytest.raises(MissingArgumentError) as caught:
        message.format({})
    assert isinstance(caught.value, KeyError)
    assert caught.value.argument == "count"
    assert caught.value.key == "cart.items"
    assert str(caught.value) == "missing argument 'count' in message 'cart.items'"
    nested = compile_message("{n, plural, one {{who}} other {#}}", _locale("en-US"))
    assert nested.format({"n": 2}) == "2"
    with pytest.raises(MissingArgumentError, match=r"missing argument 'who'$"):
        nested.format({"n": 1})
    with pytest.raises(KeyError):
        compile_message("{a}{b, number}", _locale("en-US")).format({"a": "x"})


def test_argument_types() -> None:
    message = compile_message(ITEMS, _locale("en-US"), key="cart.items")
    with pytest.raises(ArgumentTypeError, match="argument 'count' must be"):
        message.format({"count": "3"})
    with pytest.raises(TypeError):
        message.format({"count": True})
    with pytest.raises(ArgumentTypeError):
        message.format({"count": Decimal("NaN")})
    with pytest.raises(ArgumentTypeError, match="must be a str"):
        _format("{g, select, other {x}}", g=1)
    with pytest.raises(ArgumentTypeError):
        _format("{name}", name=None)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{d, date}", "not supported"),
        ("{d, time, short}", "not supported"),
        ("{n, number, ::currency/EUR}", "unsupported number style"),
        ("{n, number, #,##0.0}", "unsupported number style"),
        ("{x, tag}", "unknown argument type"),
        ("{n, plural, one {x}}", "invalid ICU message"),
        ("{n, plural, on {x} other {y}}", "unknown plural category 'on'"),
        ("{n, plural, =x {x} other {y}}", "invalid plural selector"),
        ("Hello {name", "invalid ICU message"),
        ("<b>unclosed", "invalid ICU message"),
    ],
)
def test_refused_at_compile_time(source: str, reason: str) -> None:
    with pytest.raises(MessageSyntaxError, match=reason) as caught:
        compile_message(source, _locale("en-US"), key="some.key")
    assert isinstance(caught.value, ValueError)
    assert "in message 'some.key'" in str(caught.value)


def test_currency_style_needs_a_currency() -> None:
    with pytest.raises(MessageSyntaxError, match="needs a currency"):
        compile_message("{p, number, currency}", _locale("en-US", currency=False))


def test_escape_applies_to_arguments_only() -> None:
    message = compile_message(
        "<b>{name}</b>: {n, plural, one {# item} other {# items}}",
        _locale("en-US"),
        escape=html.escape,
    )
    assert message.format({"name": "<script>", "n": 2}) == "<b>&lt;script&gt;</b>: 2 items"


def test_compiled_message_metadata() -> None:
    message = compile_message(
        "{a} {n, plural, other {{g, select, other {{b}}}}}", _locale("en-US"), key="k"
    )
    assert isinstance(message, CompiledMessage)
    assert message.arguments == frozenset({"a", "n", "g", "b"})
    assert message.key == "k"


def test_runtime_never_opens_babel_locale_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import babel.localedata

    data = _plain(locale_data("de-DE"))
    money = _plain(currency_data("EUR", ["de-DE"]))
    # Rules nobody compiled yet, so that compiling them runs under the patch too.
    data["plurals"]["cardinal"]["rules"] = {"one": "n in 7", "few": "n within 8..9"}

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the runtime opened Babel's locale database")

    monkeypatch.setattr(babel.localedata, "load", refuse)
    locale = MessageLocale.from_data(data, money)
    message = compile_message(
        "{n, plural, one {# (seven)} few {# (eight or nine)} other {#}}: {p, number, currency}",
        locale,
    )
    assert message.format({"n": 7, "p": Decimal("1299")}) == f"7 (seven): 1.299,00{NBSP}€"
    assert message.format({"n": Decimal("8.5"), "p": 0}) == f"8,5 (eight or nine): 0,00{NBSP}€"
