"""The message rules (MKT501-MKT511, issue 3): missing and unknown keys, ICU syntax, structural
equality with the source, CLDR plural categories, markup, length, identical text, whitespace;
and the positions inside YAML values that their findings point at."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

from clitools import at, edit, findings, line_of, places
from marketctl.checks.messageformat import (
    CatalogueText,
    Message,
    SyntaxProblem,
    parse_message,
    plural_categories,
)
from marketctl.core.diagnostics import Location
from marketctl.core.documents import Document, load_document

EN = "markets/_defaults/messages/en.yaml"
FR = "markets/_defaults/messages/fr.yaml"
FR_CA = "markets/ca/messages/fr-CA.yaml"
EN_CA = "markets/ca/messages/en-CA.yaml"
JA = "markets/jp/messages/ja.yaml"
SV = "markets/_defaults/messages/sv.yaml"


def message_findings(capsys: pytest.CaptureFixture[str], repo: Path) -> list[dict[str, Any]]:
    return [f for f in findings(capsys, repo) if f["code"].startswith("MKT5")]


def value_at(repo: Path, file: str, key: str) -> tuple[str, int, int]:
    """(file, line, column) of the opening quote of ``key: "..."``."""
    return at(repo, file, f'{key}: "', '"')


def first_key(repo: Path, file: str, key: str) -> tuple[str, int, int]:
    return file, line_of(repo / file, f"{key}:"), 1


def said(items: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(f["code"], f["severity"], f["message"], f["hint"]) for f in items]


def test_repository_catalogues_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert places(findings(capsys, repo), "MKT5") == []


# MKT501 message-missing ---------------------------------------------------------------------


def test_key_missing_along_the_chain_of_a_live_market(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / FR, 'cart.title: "Votre panier"\n', "")

    reported = message_findings(capsys, repo)

    # fr-CA reads fr-CA.yaml, then fr.yaml: reported at the most specific one's first mapping.
    assert places(reported) == [
        ("MKT501", *first_key(repo, FR_CA, "product.badge.refurbished")),
    ]
    assert said(reported) == [
        (
            "MKT501",
            "error",
            "'cart.title' has no fr-CA text in market ca (looked up: fr-CA, fr)",
            f"add it to {FR_CA} or to a catalogue it falls back to; "
            'the English text is "Your cart"',
        ),
    ]


def test_key_missing_in_a_planned_market_is_a_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / "markets/jp/market.yaml", "status: live", "status: planned")
    edit(repo / JA, 'cart.title: "ショッピングカート"\n', "")

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT501", *first_key(repo, JA, "product.badge.refurbished"))]
    assert [f["severity"] for f in reported] == ["warning"]


def test_key_missing_reported_in_the_shared_catalogue_when_the_market_has_none(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / FR_CA).unlink()
    edit(repo / FR, 'cart.title: "Votre panier"\n', "")

    assert places(message_findings(capsys, repo)) == [
        ("MKT501", *first_key(repo, FR, "product.badge.refurbished")),
    ]


def test_locale_without_any_catalogue_is_reported_once_at_its_locales_item(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    market = "markets/se/market.yaml"
    # Northern Sami: a language of Sweden (CLDR) that no catalogue serves.
    edit(repo / market, "locales: [sv-SE]", "locales: [sv-SE, se-SE]")

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT501", *at(repo, market, "locales:", "se-SE"))]
    assert said(reported) == [
        (
            "MKT501",
            "error",
            "locale se-SE has no message catalogue (looked up: se-SE, se): "
            "none of the 76 messages has a se-SE text",
            "translate the messages in markets/se/messages/se-SE.yaml",
        ),
    ]


def test_english_locale_falls_back_to_the_source(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / EN_CA, 'search.filter.color: "Colour"\n', "")

    assert places(message_findings(capsys, repo)) == []


# MKT502 message-unknown-key -----------------------------------------------------------------


def test_key_not_in_the_source(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.titel: "Din varukorg"')

    reported = message_findings(capsys, repo)

    assert places(reported) == [
        ("MKT501", *first_key(repo, SV, "product.badge.refurbished")),
        ("MKT502", *first_key(repo, SV, "cart.titel")),
    ]
    assert said(reported)[1] == (
        "MKT502",
        "error",
        f"'cart.titel' is not a key of the source catalogue {EN}",
        "did you mean 'cart.title'?",
    )


def test_key_of_the_source_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / EN_CA, 'search.filter.color: "Colour"', 'search.filter.clear: "Clear filters"')

    assert places(message_findings(capsys, repo)) == []


# MKT503 message-syntax ----------------------------------------------------------------------


def test_syntax_error_after_an_escape_points_at_the_character(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "\u00a0" is six characters in the file and one in the text.
    edit(
        repo / FR,
        'product.color: "Couleur\\u00a0: {color}"',
        'product.color: "Couleur\\u00a0: {color"',
    )

    reported = message_findings(capsys, repo)

    file, line, column = at(repo, FR, 'product.color: "', '{color"')
    assert places(reported) == [("MKT503", file, line, column + len("{color"))]
    assert said(reported) == [
        (
            "MKT503",
            "error",
            "'product.color' is not ICU MessageFormat: Expected , or } but found \"<EOF>\"",
            "arguments are written {name}, {n, number, percent} or "
            "{n, plural, one {...} other {...}}; quote a literal brace as '{'",
        ),
    ]


def test_unknown_argument_type(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, '"{gb, number, integer} GB"', '"{gb, nummer, integer} GB"')

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT503", *at(repo, SV, "{gb, nummer", "nummer"))]
    assert said(reported)[0][2] == (
        "'product.spec.storage' is not ICU MessageFormat: unknown argument type 'nummer'"
    )


def test_branch_written_twice(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, "one {# vara} other {# varor}}):", "one {# vara} one {# varor}}):")

    reported = message_findings(capsys, repo)

    file, line, column = at(repo, SV, "one {# vara} one", "one {# varor}")
    assert places(reported) == [("MKT503", file, line, column)]
    assert said(reported)[0][2] == (
        "'cart.subtotal' is not ICU MessageFormat: 'one' is a branch of {count} twice"
    )


def test_a_branch_left_unclosed_is_reported_where_its_brace_belongs(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The grammar first stumbles at "#" in the next branch, 9 characters on (issue 20).
    edit(repo / SV, "one {# vara} other {# varor}}):", "one {# vara other {# varor}}):")

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT503", *at(repo, SV, "one {# vara other", " other"))]
    assert said(reported) == [
        (
            "MKT503",
            "error",
            "'cart.subtotal' is not ICU MessageFormat: Expected \"}\" to end the branch before "
            '"other {...}"',
            "write } here: each branch is a selector and its text in braces, one {# item}",
        ),
    ]


def test_syntax_error_in_the_source_catalogue(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / EN, 'message: "Color: {color}"', 'message: "Color: {color"')

    file, line, column = at(repo, EN, 'message: "Color: {color"', '{color"')
    assert places(message_findings(capsys, repo)) == [
        ("MKT503", file, line, column + len("{color")),
    ]


def test_quoted_braces_are_text(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, '"Färg: {color}"', "\"Färg: {color} '{'standard'}'\"")

    assert places(message_findings(capsys, repo)) == []


# MKT504 message-arguments -------------------------------------------------------------------


def test_argument_with_another_type(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, "({rate, number, percent}) jämfört", "({rate, number}) jämfört")

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT504", *at(repo, SV, "({rate, number})", "{rate"))]
    assert said(reported) == [
        (
            "MKT504",
            "error",
            "'product.price.savings' uses {rate, number}, the source {rate, number, percent}",
            "write it as the source does: {rate, number, percent}",
        ),
    ]


def test_argument_renamed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, '"Hej {first_name}!"', '"Hej {firstname}!"')

    reported = message_findings(capsys, repo)

    assert places(reported) == [
        ("MKT504", *value_at(repo, SV, "email.greeting")),
        ("MKT504", *at(repo, SV, "Hej {firstname}", "{firstname}")),
    ]
    assert said(reported) == [
        (
            "MKT504",
            "error",
            "'email.greeting' does not use the source's argument {first_name}",
            "write {first_name} where the value belongs in this language",
        ),
        (
            "MKT504",
            "error",
            "'email.greeting' uses {firstname}, which is not an argument of the source",
            "did you mean {first_name}?",
        ),
    ]


def test_arguments_in_another_order_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / SV,
        '"Vi har betalat dig {amount, number, currency} för din {model}"',
        '"För din {model} har vi betalat dig {amount, number, currency}"',
    )

    assert places(message_findings(capsys, repo)) == []


# MKT505 plural-categories -------------------------------------------------------------------


def test_categories_japanese_does_not_have(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / JA,
        "=0 {カートに商品はありません} other {#点}}",
        "=0 {カートに商品はありません} one {#点} few {#点}}",
    )

    reported = message_findings(capsys, repo)

    line = "cart.items:"
    assert places(reported) == [
        ("MKT505", *at(repo, JA, line, "{count")),
        ("MKT505", *at(repo, JA, line, "one {")),
        ("MKT505", *at(repo, JA, line, "few {")),
    ]
    assert said(reported) == [
        (
            "MKT505",
            "error",
            "'cart.items': {count, plural} has no 'other' branch",
            "add other {...}: ICU requires it, and it is the text for every number no other "
            "branch matches",
        ),
        (
            "MKT505",
            "error",
            "'cart.items': 'one' is not a plural category of Japanese (ja), which has other",
            "remove the branch, or use an exact value such as =1 for one number",
        ),
        (
            "MKT505",
            "error",
            "'cart.items': 'few' is not a plural category of Japanese (ja), which has other",
            "remove the branch, or use an exact value such as =1 for one number",
        ),
    ]


def test_ordinal_category_english_does_not_have_in_the_source(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / EN,
        "{count, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} order",
        "{count, selectordinal, one {#st} two {#nd} few {#rd} many {#th} other {#th}} order",
    )

    assert places(message_findings(capsys, repo)) == [
        ("MKT505", *at(repo, EN, "many {#th}", "many")),
    ]


def test_exact_values_are_always_allowed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / JA,
        "=0 {カートに商品はありません} other {#点}}",
        "=0 {カートに商品はありません} =1 {1点} =100 {100点} other {#点}}",
    )

    assert places(message_findings(capsys, repo)) == []


# MKT506 plural-missing-category -------------------------------------------------------------


def test_french_many_missing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / FR,
        'one {# article} many {# d’articles} other {# articles}}"',
        'one {# article} other {# articles}}"',
    )

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT506", *at(repo, FR, "cart.items:", "{count"))]
    assert said(reported) == [
        (
            "MKT506",
            "error",
            "'cart.items': {count, plural} has no 'many' branch, which French (fr) uses for "
            "numbers such as 1000000",
            "add many {...}; without it 1000000 shows the 'other' text",
        ),
    ]


def test_category_not_covered_by_exact_values_after_the_offset(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # offset:1: `one` is chosen for 1 and 2 (0 and 1 after the offset); =0 and =1 catch only 1.
    edit(repo / FR, "one {{name} et # autre personne ont ajouté cet appareil à leurs favoris} ", "")

    assert places(message_findings(capsys, repo)) == [
        ("MKT506", *at(repo, FR, "product.watchers:", "{count")),
    ]


def test_category_covered_by_exact_values_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # French `one` is 0 and 1: =0 and =1 catch every whole number of it.
    edit(
        repo / FR,
        "{count, plural, =0 {Votre panier est vide} one {# article}",
        "{count, plural, =0 {Votre panier est vide} =1 {1 article}",
    )

    assert places(message_findings(capsys, repo)) == []


def test_whole_numbers_reached_by_each_category() -> None:
    french = plural_categories("fr-CA")
    english_ordinal = plural_categories("en", ordinal=True)
    assert french is not None and english_ordinal is not None
    assert french.ordered == ("one", "many", "other")
    assert dict(french.examples) == {"one": 0, "other": 2, "many": 1000000}
    assert french.finite["one"] == {0, 1}
    assert "many" not in french.finite
    assert dict(english_ordinal.examples) == {"other": 0, "one": 1, "two": 2, "few": 3}
    assert english_ordinal.finite == {}
    assert plural_categories("xx-unknown") is None


# MKT507 select-branches ---------------------------------------------------------------------


def test_select_branch_misspelled(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / FR,
        "{condition, select, excellent {Parfait état}",
        "{condition, select, excelent {Parfait état}",
    )

    reported = message_findings(capsys, repo)

    line = "product.condition.label:"
    assert places(reported) == [
        ("MKT507", *at(repo, FR, line, "{condition")),
        ("MKT507", *at(repo, FR, line, "excelent")),
    ]
    assert said(reported) == [
        (
            "MKT507",
            "error",
            "'product.condition.label': {condition, select} has no 'excellent' branch, "
            "as the source has",
            "translate every branch of the source's select: without it the value shows the "
            "'other' text",
        ),
        (
            "MKT507",
            "error",
            "'product.condition.label': 'excelent' is not a branch of {condition, select} in the "
            "source, which has excellent, good, fair, other",
            "did you mean 'excellent'?",
        ),
    ]


def test_select_without_other_in_the_source(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / EN, "newest {Newest arrivals} other {Recommended}}", "newest {Newest arrivals}}")

    assert places(message_findings(capsys, repo)) == [
        ("MKT507", *at(repo, EN, "{sort, select", "{sort")),
    ]


def test_select_branches_in_another_order_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / SV,
        "requested {Retur begärd} label_sent {Fraktsedel skickad}",
        "label_sent {Fraktsedel skickad} requested {Retur begärd}",
    )

    assert places(message_findings(capsys, repo)) == []


# MKT508 message-markup ----------------------------------------------------------------------


def test_tag_not_allowed_and_source_tag_missing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / FR,
        '"Plus que <b>{amount, number, currency}</b> d’achats',
        '"Plus que <u>{amount, number, currency}</u> d’achats',
    )

    reported = message_findings(capsys, repo)

    assert places(reported) == [
        ("MKT508", *value_at(repo, FR, "cart.free_shipping_progress")),
        ("MKT508", *at(repo, FR, "Plus que <u>", "<u>")),
    ]
    assert said(reported) == [
        (
            "MKT508",
            "error",
            "'cart.free_shipping_progress' has no <b>...</b>, as the source has",
            "put <b> around the words that correspond to the source's",
        ),
        (
            "MKT508",
            "error",
            "'cart.free_shipping_progress': <u> is not a tag the UI renders",
            "use one of <b>, <em>, <i>, <link>, <strong>",
        ),
    ]


def test_tag_nested_differently(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / SV,
        "<strong>alla maskinvarufel</strong>, även batteriet. <link>Se vad som ingår</link>",
        "<strong>alla maskinvarufel, även batteriet. <link>Se vad som ingår</link></strong>",
    )

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT508", *at(repo, SV, "warranty.coverage:", "<link>"))]
    assert said(reported)[0][2] == (
        "'warranty.coverage': <link> is inside <strong> here, outside any tag in the source"
    )


def test_extra_allowed_tag(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, '"Din varukorg"', '"Din <i>varukorg</i>"')

    assert places(message_findings(capsys, repo)) == [
        ("MKT508", *at(repo, SV, "cart.title:", "<i>")),
    ]


def test_same_tags_in_another_order_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / SV,
        "Täcker <strong>alla maskinvarufel</strong>, även batteriet. <link>Se vad som ingår</link>",
        "<link>Se vad som ingår</link>: vi täcker "
        "<strong>alla maskinvarufel</strong>, även batteriet.",
    )

    assert places(message_findings(capsys, repo)) == []


# MKT509 message-length ----------------------------------------------------------------------


def test_translation_longer_than_max_length(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        repo / FR,
        'cart.remove_button: "Supprimer"',
        'cart.remove_button: "Supprimer l’article du panier"',
    )

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT509", *value_at(repo, FR, "cart.remove_button"))]
    assert said(reported)[0][2] == (
        "'cart.remove_button' is 29 characters long, more than the 16 (max_length) of the "
        "source catalogue"
    )


def test_tags_do_not_count_towards_the_length(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # max_length is 16: "Supprimer tout" shows 14 characters, 21 are written.
    edit(repo / EN, 'message: "Remove"', 'message: "<b>Remove</b>"')
    edit(repo / FR, '"Supprimer"', '"<b>Supprimer</b> tout"')
    edit(repo / JA, '"削除"', '"<b>削除</b>"')
    edit(repo / SV, '"Ta bort"', '"<b>Ta bort</b>"')
    for catalogue in (repo / EN).parent.glob("*.yaml"):
        text = catalogue.read_text(encoding="utf-8")
        if catalogue.stem not in ("en", "fr", "sv") and "\ncart.remove_button: " in text:
            wrapped = re.sub(
                r'^(cart\.remove_button: ")(.*)(")$', r"\1<b>\2</b>\3", text, flags=re.M
            )
            catalogue.write_text(wrapped, encoding="utf-8")

    assert places(message_findings(capsys, repo)) == []


def test_displayed_length_takes_the_longest_branch() -> None:
    message = parse_message("{n, plural, one {<b>a</b>} other {{name} bbb}} '{'x'}'")
    assert isinstance(message, Message)
    assert message.length == len("{name} bbb") + len(" {x}")


# MKT510 message-identical -------------------------------------------------------------------


def test_translation_identical_to_the_source(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "Your cart"')

    reported = message_findings(capsys, repo)

    assert places(reported) == [("MKT510", *value_at(repo, SV, "cart.title"))]
    assert said(reported) == [
        (
            "MKT510",
            "warning",
            "'cart.title' in Swedish (sv) is the English source text, unchanged",
            "translate it, or mark the source entry `allow_identical: true` if the text stays the "
            "same in every language (a brand name)",
        ),
    ]


def test_identical_text_allowed_or_english(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # PayPal is allow_identical in the source; en-CA is English.
    edit(
        repo / EN_CA,
        'search.filter.color: "Colour"',
        'search.filter.color: "Colour"\ncart.title: "Your cart"',
    )

    assert places(message_findings(capsys, repo)) == []


# MKT511 message-whitespace ------------------------------------------------------------------


def test_trailing_space_the_source_does_not_have(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "Din varukorg "')

    reported = message_findings(capsys, repo)

    file, line, column = at(repo, SV, "cart.title:", 'varukorg "')
    assert places(reported) == [("MKT511", file, line, column + len("varukorg"))]
    assert said(reported) == [
        (
            "MKT511",
            "error",
            "'cart.title' ends with ' ', the source with no whitespace",
            "write the same whitespace at the start and the end as the source",
        ),
    ]


def test_leading_no_break_space(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "\\u00a0Din varukorg"')

    reported = message_findings(capsys, repo)

    file, line, column = value_at(repo, SV, "cart.title")
    assert places(reported) == [("MKT511", file, line, column + 1)]
    assert said(reported)[0][2] == (
        "'cart.title' starts with '\\xa0', the source with no whitespace"
    )


def test_no_break_spaces_inside_the_text_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "Din\\u00a0varukorg"')

    assert places(message_findings(capsys, repo)) == []


# Parsing and positions ----------------------------------------------------------------------


def test_each_distinct_text_is_parsed_once() -> None:
    text = "{count, plural, one {# x} other {# xs}} (parsed once)"
    first = parse_message(text)
    assert parse_message(text) is first


def test_syntax_problem_offset() -> None:
    assert parse_message("a {b") == SyntaxProblem('Expected , or } but found "<EOF>"', 4)


@dataclass(frozen=True)
class _DocumentWithText(Document):
    # What the loader is asked to keep (the file as loaded); the rules use it where it exists.
    text: str = ""


def _value(yaml: str, key: str) -> CatalogueText:
    raw = yaml.encode("utf-8")
    document, problems = load_document("markets/se/messages/sv.yaml", raw)
    assert document is not None, problems
    loaded = {f.name: getattr(document, f.name) for f in fields(Document) if f.name != "text"}
    with_text = _DocumentWithText(**loaded, text=yaml)
    path: tuple[str | int, ...] = (key,) if isinstance(document.data[key], str) else (key, "m")
    return CatalogueText(key, "sv", with_text.get(path), with_text, path)


@pytest.mark.parametrize(
    ("yaml", "offset", "line", "column"),
    [
        ('a.b: "x\\u00a0\\"{y"\n', 4, 1, 17),  # escapes count as written
        ("a.b: 'it''s {y'\n", 5, 1, 13),  # '' is one quote
        ("a.b: plain {y  # note\n", 6, 1, 12),
        ("a.b: |\n  first\n  {y\n", 6, 3, 3),  # literal block
        ("a.b: >-\n  folded\n  text {y\n", 12, 3, 8),  # folded block
        ('a.b:\n  "two\n  lines {y"\n', 10, 3, 9),  # a folded line break is one space
        ('a.b:\n  m: "nested {y"\n', 7, 2, 14),
    ],
)
def test_positions_inside_each_scalar_style(yaml: str, offset: int, line: int, column: int) -> None:
    value = _value(yaml, "a.b")
    assert value.location_at(offset) == Location("markets/se/messages/sv.yaml", line, column)


def test_positions_fall_back_to_the_value_when_the_text_does_not_match() -> None:
    value = _value('a.b: "{y"\n', "a.b")
    moved = CatalogueText("a.b", "sv", "changed {y", value.document, value.path)
    assert moved.location_at(8) == Location("markets/se/messages/sv.yaml", 1, 6)


# MKT512 message-control-characters ----------------------------------------------------------


def test_a_nul_escape_in_a_translation(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "Din\\0 varukorg"')

    reported = message_findings(capsys, repo)

    file, line, column = at(repo, SV, "cart.title:", "\\0")
    assert places(reported) == [("MKT512", file, line, column)]
    assert said(reported) == [
        (
            "MKT512",
            "error",
            "'cart.title' contains the control character U+0000",
            "delete it: texts carry no control characters, and only a right-to-left locale may "
            "keep a bidirectional control that the source text has",
        ),
    ]


def test_a_right_to_left_override_and_an_isolate_in_a_left_to_right_locale(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo / SV,
        'cart.title: "Din varukorg"',
        'cart.title: "Din \\u202evarukorg\\u2066"',
    )

    reported = message_findings(capsys, repo)

    file, line, column = at(repo, SV, "cart.title:", "\\u202e")
    assert places(reported) == [("MKT512", file, line, column)]
    assert said(reported)[0][2] == (
        "'cart.title' contains U+202E RIGHT-TO-LEFT OVERRIDE, an invisible bidirectional "
        "control (and 1 more)"
    )


def test_a_control_character_in_the_source_catalogue(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / EN, 'message: "Your cart"', 'message: "Your\\x07 cart"')

    reported = [f for f in message_findings(capsys, repo) if f["code"] == "MKT512"]

    file, line, column = at(repo, EN, 'message: "Your\\x07', "\\x07")
    assert places(reported) == [("MKT512", file, line, column)]


def test_tabs_line_breaks_and_no_break_spaces_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo / SV, 'cart.title: "Din varukorg"', 'cart.title: "Din\\tvaru\\u00a0korg"')

    assert places(message_findings(capsys, repo), "MKT512") == []


def test_bidi_controls_are_kept_only_by_right_to_left_locales() -> None:
    from marketctl.checks.rules.mkt512_message_control_characters import is_right_to_left

    assert [is_right_to_left(tag) for tag in ("ar", "he-IL", "fa", "sv", "ja", "xx")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_the_characters_searched_for_are_the_controls_and_the_bidi_controls() -> None:
    from marketctl.checks.rules import mkt512_message_control_characters as mkt512

    searched = {point for point in range(0x3000) if mkt512._SUSPECT.match(chr(point))}
    reported = {
        point
        for point in range(0x3000)
        if mkt512.is_control(point) or point in mkt512.BIDI_CONTROLS
    }
    assert searched == reported
    assert mkt512._SUSPECT.search("\U0010ffff\ufeff\u200b") is None
