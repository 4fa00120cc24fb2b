"""``marketctl explain``: a resolved value, where it was written, and what it replaced."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketctl.core.diagnostics import Location
from marketctl.core.documents import Path
from marketctl.core.errors import UnknownKeyError
from marketctl.repository.markets import LAYERED_KINDS, Market


@dataclass(frozen=True)
class Explanation:
    key: str
    value: Any
    location: Location | None
    merged_from: tuple[Location, ...]
    overrides: tuple[tuple[Location, Any], ...]
    note: str = ""


# A list index written as `marketctl sources` prints it: tax.rates.standard[0].
_INDEX = re.compile(r"\[([0-9]+)\]")


def _parse_path(parts: list[str]) -> Path:
    return tuple(int(part) if part.isascii() and part.isdigit() else part for part in parts)


def explain(market: Market, key: str) -> Explanation:
    """KEY of MARKET as resolved; a list item is ``.0`` or ``[0]`` (the form sources prints)."""
    parts = key.split(".")
    kind = parts[0]
    if kind == "messages":
        return _explain_message(market, key, parts[1:])
    parts = _INDEX.sub(r".\1", key).split(".")
    if kind not in LAYERED_KINDS:
        choices = [*LAYERED_KINDS, "messages"]
        guess = difflib.get_close_matches(kind, choices, n=1)
        raise UnknownKeyError(
            f"'{key}' does not start with a file kind",
            f"did you mean '{guess[0]}'?"
            if guess
            else f"start the key with one of: {', '.join(choices)} (e.g. warranty.legal_guarantee)",
        )
    resolved = market.resolved[kind]
    path = _parse_path(parts[1:])
    if path and not resolved.has(path) and path not in resolved.contributors:
        parent = resolved.get(path[:-1])
        options = [str(k) for k in parent] if isinstance(parent, dict) else []
        guess = difflib.get_close_matches(str(path[-1]), options, n=1)
        raise UnknownKeyError(
            f"market '{market.code}' has no value at '{key}'",
            f"did you mean '{'.'.join([kind, *map(str, path[:-1]), guess[0]])}'?"
            if guess
            else (f"keys here: {', '.join(options)}" if options else "check the key"),
        )
    merged = tuple(origin.location for origin in resolved.contributors.get(path, []))
    location = resolved.location(path)
    overrides = tuple(
        (origin.location, origin.value) for origin in resolved.overridden.get(path, [])
    )
    return Explanation(key, resolved.get(path), location, merged, overrides)


def _explain_message(market: Market, key: str, parts: list[str]) -> Explanation:
    if not parts:
        raise UnknownKeyError(
            "name a locale and a message key",
            f"e.g. messages.{(market.locales or ['en'])[0]}.cart.items",
        )
    tag, message_key = parts[0], ".".join(parts[1:])
    if tag not in market.locales and tag != "en":
        raise UnknownKeyError(
            f"market '{market.code}' has no locale '{tag}'",
            f"its locales are: {', '.join(market.locales)}",
        )
    hit = market.message(tag, message_key)
    if hit is None:
        guess = difflib.get_close_matches(message_key, market.repository.source_keys, n=1)
        raise UnknownKeyError(
            f"no message '{message_key}' for {tag} in market '{market.code}'",
            f"did you mean '{guess[0]}'?" if guess else "see markets/_defaults/messages/en.yaml",
        )
    later = [
        (document.value_location((message_key,)), document.data[message_key])
        for _, document in market.catalogues(tag)
        if message_key in document.data and document is not hit.document
    ]
    note = "" if hit.tag == tag else f"falls back from {tag} to {hit.tag}"
    return Explanation(key, hit.text, hit.location, (), tuple(later), note)


def _show(value: Any) -> str:
    def default(item: Any) -> str:
        if isinstance(item, Decimal):
            return str(item)
        raise TypeError(type(item).__name__)

    if isinstance(value, str):
        return value
    indent = (
        2
        if isinstance(value, dict | list) and len(json.dumps(value, default=default)) > 60
        else None
    )
    return json.dumps(value, ensure_ascii=False, default=default, indent=indent)


def render_explanation(explanation: Explanation) -> str:
    lines = [f"{explanation.key} = {_show(explanation.value)}"]
    if explanation.merged_from:
        lines.append("  merged from:")
        lines.extend(f"    {location}" for location in explanation.merged_from)
    elif explanation.location is not None:
        lines.append(f"  from {explanation.location}")
    if explanation.note:
        lines.append(f"  ({explanation.note})")
    for location, value in explanation.overrides:
        lines.append(f"  overrides {location}: {_show(value)}")
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(child) for key, child in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(child) for child in value]
    return value


def _place(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def render_explanation_json(explanation: Explanation) -> str:
    document = {
        "version": 1,
        "key": explanation.key,
        "value": _plain(explanation.value),
        "from": _place(explanation.location),
        "merged_from": [_place(location) for location in explanation.merged_from],
        "overrides": [
            {"at": _place(location), "value": _plain(value)}
            for location, value in explanation.overrides
        ],
        "note": explanation.note,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Explanation], str]] = {
    "text": render_explanation,
    "json": render_explanation_json,
}
