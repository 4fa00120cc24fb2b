"""Pseudo-locales: only literal text changes; placeholders, choices and markup survive."""

from __future__ import annotations

from typing import Any

import pytest
from pyicumessageformat import Parser

from conftest import REPOSITORY
from marketctl.commands.pseudo import pseudo_message
from marketctl.repository.loading import load_repository
from marketctl.repository.sources import WorktreeSource

PARSER = Parser({"allow_tags": True, "require_other": False})


def _structure(nodes: list[Any]) -> list[Any]:
    """The message without its literal text."""
    shape: list[Any] = []
    for node in nodes:
        if isinstance(node, str):
            continue
        node = dict(node)
        if "options" in node:
            node["options"] = {k: _structure(v) for k, v in node["options"].items()}
        if node.get("contents") is not None:
            node["contents"] = _structure(node["contents"])
        shape.append(node)
    return shape


def _source_texts() -> list[str]:
    repository = load_repository(WorktreeSource(REPOSITORY))
    texts = []
    for key in repository.source_keys:
        hit = repository.source_message(key)
        assert hit is not None
        texts.append(hit.text)
    return texts


@pytest.mark.parametrize("tag", ["en-XA", "ar-XB"])
def test_every_source_message_keeps_its_structure(tag: str) -> None:
    for text in _source_texts():
        assert _structure(PARSER.parse(pseudo_message(text, tag))) == _structure(
            PARSER.parse(text)
        ), text


def test_en_xa_accents_brackets_and_lengthens() -> None:
    assert pseudo_message("{count, plural, one {# item} other {# items}}", "en-XA") == (
        "[{count, plural, one {# īŧḗḿ} other {# īŧḗḿş}} ǿƞ]"
    )
    assert pseudo_message("Covers <b>all</b> faults, it's {n, number, percent}", "en-XA") == (
        "[Ƈǿṽḗřş <b>ȧŀŀ</b> ƒȧŭŀŧş, īŧ''ş {n, number, percent} ǿƞḗ ŧẇǿ]"
    )
    plain = [text for text in _source_texts() if "{" not in text and "<" not in text]
    for text in plain:
        assert 1.3 * len(text) <= len(pseudo_message(text, "en-XA")) <= 1.45 * len(text) + 4, text


def test_ar_xb_wraps_each_literal_run_right_to_left() -> None:
    assert pseudo_message("Save {amount, number, currency} now", "ar-XB") == (
        "\u200f\u202eSave \u202c{amount, number, currency}\u202e now\u202c"
    )


def test_an_unknown_pseudo_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown pseudo-locale 'en-XB'"):
        pseudo_message("Hi", "en-XB")
