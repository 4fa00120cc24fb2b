"""Pseudo-locales: only literal text changes; placeholders, choices and markup survive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pyicumessageformat import Parser

from conftest import REPOSITORY
from marketctl import runtime
from marketctl.commands.build import build
from marketctl.commands.pseudo import pseudo_message
from marketctl.core.errors import MarketctlError
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


def test_a_pseudo_build_adds_both_locales_to_every_bundle(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(repo, [], out, pseudo=True)
    markets = runtime.load(str(out), insecure=True)
    schema = json.loads((REPOSITORY / "schemas/bundle.schema.json").read_text(encoding="utf-8"))
    for code in ("ca", "jp", "se"):
        bundle = json.loads((out / f"{code}.json").read_text(encoding="utf-8"))
        jsonschema.validate(bundle, schema)
        assert bundle["locales"][-2:] == ["en-XA", "ar-XB"]
        assert sorted(bundle["messages"]["en-XA"]["messages"]) == sorted(
            bundle["messages"][bundle["default_locale"]]["messages"]
        )
    assert markets["jp"].message("cart.items", locale="en-XA", count=3) == "[3 īŧḗḿş ǿƞḗ ŧẇ]"
    assert markets["se"].message("cart.items", locale="ar-XB", count=1) == (
        "\u200f1\u202e item\u202c"
    )


def test_a_production_build_refuses_pseudo_locales(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(MarketctlError) as raised:
        build(repo, [], tmp_path / "dist", environment="production", pseudo=True)
    assert raised.value.message == (
        "pseudo-locales are for test builds: --pseudo is refused with --env production"
    )
    assert not (tmp_path / "dist").exists()
