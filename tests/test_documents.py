from __future__ import annotations

from decimal import Decimal

import pytest

from marketctl.core.diagnostics import Position
from marketctl.core.documents import load_document


def test_positions_of_keys_and_values_are_one_based() -> None:
    text = "# comment\nrates:\n  standard:\n    - {percent: 25, from: 1990-07-01}\n"
    document, problems = load_document("t.yaml", text.encode())
    assert problems == []
    assert document is not None
    assert document.keys[("rates",)] == Position(2, 1)
    assert document.keys[("rates", "standard")] == Position(3, 3)
    assert document.values[("rates", "standard", 0)] == Position(4, 7)
    assert document.keys[("rates", "standard", 0, "from")] == Position(4, 21)
    assert document.values[("rates", "standard", 0, "from")] == Position(4, 27)


def test_fractions_are_exact_decimals_and_dates_stay_text() -> None:
    document, _ = load_document("t.yaml", b"percent: 9.975\nwhole: 25\nfrom: 2013-01-01\n")
    assert document is not None
    assert document.data == {"percent": Decimal("9.975"), "whole": 25, "from": "2013-01-01"}
    assert type(document.data["percent"]) is Decimal
    assert type(document.data["whole"]) is int


def test_norway_is_not_false_in_yaml_1_2() -> None:
    document, _ = load_document("t.yaml", b"country: NO\nflag: true\n")
    assert document is not None
    assert document.data == {"country": "NO", "flag": True}


def test_not_utf8_points_at_the_first_bad_byte() -> None:
    _, problems = load_document("t.yaml", b"a: 1\nname: Malm" + b"\xf6\n")
    assert [(p.code, p.line, p.column) for p in problems] == [("MKT002", 2, 11)]
    assert problems[0].message == "not UTF-8: byte 0xf6 cannot be decoded"


def test_a_byte_order_mark_is_accepted() -> None:
    document, problems = load_document("t.yaml", b"\xef\xbb\xbfa: 1\n")
    assert problems == []
    assert document is not None
    assert document.data == {"a": 1}


def test_binary_file_is_refused() -> None:
    _, problems = load_document("t.yaml", b"a: 1\n\x00\x01\x02")
    assert [(p.code, p.line) for p in problems] == [("MKT002", 2)]


def test_duplicate_key_names_both_lines() -> None:
    _, problems = load_document("t.yaml", b"a: 1\nb: 2\na: 3\n")
    assert [(p.code, p.line, p.column) for p in problems] == [("MKT003", 3, 1)]
    assert problems[0].message == "duplicate key 'a': already defined on line 1"


def test_alias_inside_its_own_anchor_is_refused() -> None:
    for text, where in ((b"a: &x\n  b: *x\n", (1, 4)), (b"# c\nc: &y [1, *y]\n", (2, 4))):
        _, problems = load_document("t.yaml", text)
        assert [(p.code, p.line, p.column) for p in problems] == [("MKT009", *where)]
        assert problems[0].message == (
            "refused to load: an alias refers to the mapping or list that contains it"
        )


def test_a_reused_anchor_name_gives_a_finding_not_a_warning(
    recwarn: pytest.WarningsRecorder,
) -> None:
    """YAML lets a later anchor of the same name replace the first. libyaml refuses these
    self-referring lists, so ruamel composes them, and it used to print a ReusedAnchorWarning on
    stderr beside the finding (found by benchmarks/fuzz.py)."""
    for text in (b"t: &a [*a]\nr: &a [*a]\n", b"a: &x [1]\nb: &x [2]\nc: *x\n"):
        document, problems = load_document("t.yaml", text)
        assert [str(w.message) for w in recwarn] == []
    assert document is not None and document.data["c"] == [2]
    _, problems = load_document("t.yaml", b"t: &a [*a]\nr: &a [*a]\n")
    assert [(p.code, p.line, p.column) for p in problems] == [("MKT009", 1, 4)]


def test_merge_keys_merge_and_written_keys_win() -> None:
    document, problems = load_document("t.yaml", b"base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n")
    assert problems == []
    assert document is not None
    assert document.data["m"] == {"y": 3, "x": 1}


def test_integers_in_other_bases_and_with_separators() -> None:
    document, _ = load_document("t.yaml", b"a: 0x1F\nb: 0o17\nc: 017\nd: 1_000\ne: null\nf: ~\n")
    assert document is not None
    assert document.data == {"a": 31, "b": 15, "c": 17, "d": 1000, "e": None, "f": None}


def test_shared_aliases_within_limits_load() -> None:
    document, problems = load_document("t.yaml", b"a: &s {t: 1}\nb: *s\n")
    assert problems == []
    assert document is not None
    assert document.data == {"a": {"t": 1}, "b": {"t": 1}}


def test_oversized_file_is_refused_before_parsing() -> None:
    _, problems = load_document("t.yaml", b"a: " + b"x" * (3 * 1024 * 1024))
    assert [p.code for p in problems] == ["MKT009"]


def test_python_tags_are_not_constructed() -> None:
    _, problems = load_document("t.yaml", b"x: 1\na: !!python/object/apply:os.system ['true']\n")
    assert [(p.code, p.line, p.column) for p in problems] == [("MKT001", 2, 4)]
    assert problems[0].message == (
        "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed in market files"
    )


def test_custom_scalar_tags_are_refused() -> None:
    _, problems = load_document("t.yaml", b"a: !include other.yaml\n")
    assert [(p.code, p.line, p.column) for p in problems] == [("MKT001", 1, 4)]


def test_inline_ignore_comments_are_read_per_line() -> None:
    text = b"a: 1  # marketctl: ignore[MKT510, MKT511]\nb: 2\n"
    document, _ = load_document("t.yaml", text)
    assert document is not None
    assert document.ignores == {1: frozenset({"MKT510", "MKT511"})}


def test_scalars_the_resolver_calls_numbers_but_are_not_stay_text() -> None:
    document, problems = load_document("t.yaml", b"a: 0b101\nb: +_\nc: ._\n")
    assert problems == []
    assert document is not None
    assert document.data == {"a": 5, "b": "+_", "c": "._"}
