"""JSON Schema checks, with each error mapped to the exact node it is about.

A wrong value is reported at the value, an unknown key at the key, a missing key at the mapping
that lacks it. Required keys are checked on the *resolved* market (a key that ``_defaults``
provides need not be repeated); everything else is checked file by file, so a mistake in
``_defaults`` is reported once, where it is written.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Location
from marketctl.core.documents import Document, Path
from marketctl.core.errors import MarketctlError
from marketctl.repository.layering import Resolved

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

KINDS = (
    "market",
    "tax",
    "warranty",
    "rollout",
    "features",
    "messages",
    "catalogue",
    "environment",
    "consumer_law",
    "tax_law",
)


def schema_directory() -> FsPath:
    """The schemas shipped in the package; in a source checkout, the repository's schemas/."""
    packaged = resources.files("marketctl") / "schemas"
    if packaged.is_dir():
        return FsPath(str(packaged))
    # Editable installs (hatch dev mode) do not carry the wheel's force-included copy.
    checkout = FsPath(__file__).resolve().parents[3] / "schemas"
    if checkout.is_dir():
        return checkout
    raise MarketctlError(
        "the JSON Schemas are missing from the marketctl installation",
        "reinstall marketctl (pip install --force-reinstall marketctl)",
    )


@cache
def load_schema(kind: str) -> dict[str, Any]:
    path = schema_directory() / f"{kind}.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@cache
def validator(kind: str) -> Draft202012Validator:
    """jsonschema's validator of ``kind``: it words the findings. Imported only when a file has
    something to report (jsonschema-rs says so first): the import costs a tenth of a second."""
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(load_schema(kind), format_checker=FormatChecker())


# Kinds layered _defaults → region → market: a key they require may come from another layer,
# so it is checked on the resolved market (check_required), not file by file.
LAYERED = frozenset({"market", "tax", "warranty", "rollout"})


# Most files are valid, and jsonschema (pure Python) costs most of a cold validate. The same
# schemas, compiled by jsonschema-rs, say "valid" in a fraction of the time; only a file it
# refuses goes through jsonschema, which words each finding at its position. So the findings are
# jsonschema's, and jsonschema-rs only decides when there is nothing to say.
@cache
def fast_validator(kind: str, required: bool = True) -> Any:
    """jsonschema-rs's validator of ``kind``; with ``required=False``, of the schema without
    the ``required`` keywords whose errors :func:`check_document` leaves to the resolved
    market (those jsonschema reports directly, not inside ``anyOf``, ``oneOf``, ``not`` or an
    ``if`` condition, where ``required`` chooses a branch)."""
    schema = load_schema(kind) if required else _without_direct_required(load_schema(kind))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


# Left as written: where ``required`` picks a branch, and definitions, which a ``$ref`` from such
# a place may reach (keeping a ``required`` only makes the fast check stricter: never wrong).
_WRAPPING = frozenset(
    {"anyOf", "oneOf", "not", "if", "contains", "propertyNames", "$defs", "definitions"}
)


def _without_direct_required(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_direct_required(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: value if key in _WRAPPING else _without_direct_required(value)
        for key, value in schema.items()
        if key != "required" or not isinstance(value, list)
    }


# The message catalogues are most of the bytes of a big repository, and their schemas are a
# pattern on keys and a shape for values. A plain-Python test of that shape tells a valid
# catalogue at a glance; anything it does not vouch for goes through jsonschema, which words the
# findings. It is used only while the schema is the one it was written for (checked below,
# notes aside), so an edited schema cannot be skipped.
_KEY_PATTERN = "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$"
_ENTRY_FIELDS = frozenset({"message", "description", "max_length", "allow_identical"})
_SHAPES: dict[str, Any] = {
    "messages": {
        "type": "object",
        "propertyNames": {"pattern": _KEY_PATTERN},
        "additionalProperties": {"type": "string"},
    },
    "catalogue": {
        "type": "object",
        "propertyNames": {"pattern": _KEY_PATTERN},
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "required": ["message", "description"],
            "properties": {
                "message": {"type": "string"},
                "description": {"type": "string", "minLength": 1},
                "max_length": {"type": "integer", "minimum": 1},
                "allow_identical": {"type": "boolean"},
            },
        },
    },
}
_NOTES = frozenset({"description", "title", "$id", "$schema", "$comment", "examples"})


def _shape(schema: Any) -> Any:
    if isinstance(schema, dict):
        # A note is text; a property that happens to be called "description" is a schema.
        return {
            key: _shape(value)
            for key, value in schema.items()
            if key not in _NOTES or isinstance(value, dict)
        }
    if isinstance(schema, list):
        return [_shape(item) for item in schema]
    return schema


@cache
def _has_known_shape(kind: str) -> bool:
    return kind in _SHAPES and _shape(load_schema(kind)) == _SHAPES[kind]


def _surely_valid(data: Any, kind: str) -> bool:
    """True only where jsonschema would find nothing wrong (False: ask jsonschema)."""
    if type(data) is not dict or not _has_known_shape(kind):
        return False
    key_ok = re.compile(_KEY_PATTERN).search
    if not all(type(key) is str and key_ok(key) for key in data):
        return False
    if kind == "messages":
        return all(type(value) is str for value in data.values())
    for entry in data.values():
        if type(entry) is not dict or not entry.keys() <= _ENTRY_FIELDS:
            return False
        if type(entry.get("message")) is not str:
            return False
        description = entry.get("description")
        if type(description) is not str or not description:
            return False
        if "max_length" in entry:
            limit = entry["max_length"]
            if type(limit) is not int or limit < 1:
                return False
        if "allow_identical" in entry and type(entry["allow_identical"]) is not bool:
            return False
    return True


def check_document(document: Document, kind: str) -> list[Finding]:
    """Every schema problem in one file; for layered kinds, not the keys required after
    layering."""
    if _surely_valid(document.data, kind):
        return []
    if _fast_valid(document.data, kind, required=kind not in LAYERED):
        return []
    findings: list[Finding] = []
    for error in validator(kind).iter_errors(document.data):
        if error.validator == "required" and kind in LAYERED:
            continue
        if error.validator == "required":
            findings.extend(
                _missing(error, document.value_location(tuple(error.absolute_path)), kind)
            )
            continue
        findings.extend(_findings_for(error, document))
    return findings


def check_required(
    resolved: Resolved, kind: str, own: Document | None, fallback: Location
) -> list[Finding]:
    """Keys the resolved market lacks.

    A mapping written whole by one file is reported where that file wrote it; a mapping that
    layers merge is reported in the market's own file (``own``), where the key should be added.
    """
    if _fast_valid(resolved.data, kind, required=True):
        return []
    findings: list[Finding] = []
    for error in validator(kind).iter_errors(resolved.data):
        if error.validator != "required":
            continue
        path: Path = tuple(error.absolute_path)
        if path in resolved.origins:  # written whole by one file: point at it there
            where = resolved.origins[path].location
        elif own is not None:
            where = own.value_location(path)
        else:
            where = fallback
        findings.extend(_missing(error, where, kind))
    return findings


def _fast_valid(data: Any, kind: str, required: bool) -> bool:
    """True only where jsonschema-rs finds the data valid (anything it cannot take: False)."""
    try:
        return bool(fast_validator(kind, required).is_valid(data))
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False


def _missing(error: ValidationError, where: Location, kind: str) -> list[Finding]:
    path: Path = tuple(error.absolute_path)
    required: Any = error.validator_value
    present: Any = error.instance
    container = _describe_path(path) or f"{kind}.yaml"
    return [
        rule("MKT103").finding(
            where, f"'{key}' is required in {container}", _required_hint(kind, path, key)
        )
        for key in required
        if key not in present
    ]


def _required_hint(kind: str, path: Path, key: str) -> str:
    description = _schema_at(load_schema(kind), (*path, key)).get("description", "")
    if description:
        return f"add '{key}': {description}"
    return f"add '{key}' (see schemas/{kind}.schema.json)"


def _findings_for(error: ValidationError, document: Document) -> Iterator[Finding]:
    path: Path = tuple(error.absolute_path)
    if error.validator in {"oneOf", "anyOf"} and error.context:
        from jsonschema.exceptions import best_match

        yield from _findings_for(best_match(error.context), document)
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema: Any = error.schema
        allowed = list(schema.get("properties", {}))
        for key in error.instance:
            if key in allowed:
                continue
            guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{guess[0]}'?" if guess else _allowed_hint(allowed)
            where = _describe_path(path)
            scope = f" in {where}" if where else ""
            yield rule("MKT102").finding(
                document.key_location((*path, key)), f"unknown key '{key}'{scope}", hint
            )
        return
    if error.validator == "propertyNames":
        key = str(error.instance)
        names: Any = error.validator_value
        pattern = names.get("pattern", "") if isinstance(names, dict) else ""
        yield rule("MKT101").finding(
            document.key_location((*path, key)),
            f"key '{key}' in {_describe_path(path) or 'the file'} is not a valid name",
            _pattern_hint(pattern),
        )
        return
    message, hint = _describe_error(error)
    where = _describe_path(path)
    yield rule("MKT101").finding(
        document.value_location(path), f"{where}: {message}" if where else message, hint
    )


def _allowed_hint(allowed: list[str]) -> str:
    return f"allowed keys: {', '.join(allowed)}" if allowed else "remove it"


def _pattern_hint(pattern: str) -> str:
    known = {
        r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$": "message keys are dotted lower-case ids, "
        "like cart.items",
        "^[a-z][a-z0-9_]*$": "use a lower-case id with underscores, like trade_in",
        "^[A-Z]{2}-[A-Z0-9]{1,3}$": "use an ISO 3166-2 subdivision code, like CA-QC",
    }
    return known.get(pattern, f"it must match {pattern}")


def _describe_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _type_name(value: Any) -> str:
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | Decimal | float):
        return f"number {value}"
    if isinstance(value, str):
        return f"text '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _describe_error(error: ValidationError) -> tuple[str, str]:
    value = error.instance
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    described = schema.get("description", "")
    about = f" ({described.rstrip('.')})" if described else ""
    validator_name = error.validator
    expected: Any = error.validator_value
    if validator_name == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        hint = f"write {wanted}{about}"
        if value is None:
            # A value left `null  # TODO` (marketctl new writes them): the type and its form.
            key = next((part for part in reversed(error.path) if isinstance(part, str)), "")
            return f"expected {wanted}, got {_type_name(value)}", _null_hint(schema, key, about)
        if "number" in types and isinstance(value, str):
            hint = f"write the number without quotes or units: {_numeric_part(value)}"
        elif "integer" in types and isinstance(value, Decimal):
            hint = "write a whole number, without a fraction"
        elif "array" in types and not isinstance(value, dict | list):
            hint = f"write a list: [{value}]{about}"
        return f"expected {wanted}, got {_type_name(value)}", hint
    if validator_name == "enum":
        options = [str(option) for option in expected]
        if value is None:
            key = next((part for part in reversed(error.path) if isinstance(part, str)), "")
            return f"{_type_name(value)} is not one of {', '.join(options)}", _null_hint(
                schema, key, about
            )
        guess = difflib.get_close_matches(str(value), options, n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else f"use one of: {', '.join(options)}"
        return f"{_type_name(value)} is not one of {', '.join(options)}", hint
    if schema.get("format") == "date" and validator_name in {"pattern", "format"}:
        return (
            f"'{value}' is not a valid date",
            "write a real calendar date between 1900 and 2099 as YYYY-MM-DD, like 2026-04-01",
        )
    if validator_name in {"pattern", "format"}:
        fixed = _fixed_form(value, schema.get("pattern"))
        if fixed is not None:
            hint = f"did you mean '{fixed}'?{about}"
        else:
            hint = described or f"it must match {expected}"
        return f"'{value}' does not have the expected form", hint
    if validator_name in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        bound = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[validator_name]
        return f"{value} must be {bound} {expected}", described
    if validator_name == "minItems":
        return f"the list needs at least {expected} item(s)", described
    if validator_name == "minProperties":
        return "the mapping is empty", described or "add at least one entry"
    if validator_name == "uniqueItems":
        return "the list has duplicate items", "list each item once"
    if validator_name == "minLength":
        return "the text is empty", described or "write a value"
    if validator_name == "const":
        return f"{_type_name(value)} must be {expected}", described
    return error.message, described


def _null_hint(schema: dict[str, Any], key: str, about: str) -> str:
    """What a value left null should be, with an example of its form: ``write a date as
    YYYY-MM-DD, e.g. from: 2026-04-01``. The example shows the form only (a code is ``ABC``,
    not a real one that might be taken for advice); the value is the author's to find."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    pattern = schema.get("pattern")
    if schema.get("format") == "date":
        kind, example = "a date as YYYY-MM-DD", "2026-04-01"
    elif isinstance(schema.get("enum"), list):
        options = [str(option) for option in schema["enum"]]
        kind, example = f"one of {', '.join(options)}", options[0]
    elif "boolean" in types:
        kind, example = "true or false", "true"
    elif "integer" in types:
        minimum = schema.get("minimum")
        kind, example = "a whole number", str(max(minimum, 12) if isinstance(minimum, int) else 12)
    elif "number" in types:
        kind, example = "a number without quotes or % sign", "12.5"
    elif "string" in types and pattern == "^https://\\S+$":
        kind, example = "an https link", "https://..."
    elif "string" in types and pattern == "^[A-Z]{3}$":
        kind, example = "a code of three capital letters", "ABC"
    elif "string" in types:
        kind, example = "text", '"..."'
    else:
        kind, example = " or ".join(_TYPE_WORDS.get(t, t) for t in types), ""
    form = f", e.g. {key}: {example}" if key and example else ""
    return f"write {kind}{form}{about}"


def _fixed_form(value: Any, pattern: Any) -> str | None:
    """The usual slips, undone: sv_SE for sv-SE, sek for SEK, stray spaces."""
    if not isinstance(value, str) or not isinstance(pattern, str):
        return None
    candidates = (
        value.strip(),
        value.strip().replace("_", "-"),
        value.strip().upper(),
        value.strip().replace("_", "-").upper(),
    )
    for candidate in candidates:
        if candidate != value and re.search(pattern, candidate):
            return candidate
    return None


def _numeric_part(text: str) -> str:
    match = re.search(r"-?\d+(?:[.,]\d+)?", text)
    return match.group(0).replace(",", ".") if match else "a number"


def _schema_at(schema: dict[str, Any], path: Path) -> dict[str, Any]:
    node = schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            extra = node.get("additionalProperties")
            node = extra if isinstance(extra, dict) else {}
    return node
