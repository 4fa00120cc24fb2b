"""``schemas/bundle.schema.json`` compiled into plain Python checks, for the runtime.

The runtime trusts no bundle it has not checked: checksums only say that a
file is the one the manifest lists, not that its content is sane, and whoever can rewrite a
bundle can rewrite the manifest's hash too. So every bundle is checked against the published
bundle schema before a set is used. ``jsonschema`` would cost ten times ``json.load``; the
schema is instead compiled, once per process, into nested closures that only do what each
keyword asks.

The compiler reads the JSON Schema 2020-12 subset the bundle schema is written in (``type``,
``properties``, ``required``, ``additionalProperties``, ``patternProperties``, ``items``,
``prefixItems``, ``minItems``, ``maxItems``, ``uniqueItems``, ``enum``, ``const``, ``pattern``,
``minLength``, ``maxLength``, ``minimum``, ``maximum``, ``exclusiveMinimum``,
``exclusiveMaximum``, ``anyOf``, ``oneOf``, ``allOf``, ``not``, local ``$ref``); any other
assertion keyword makes compilation fail, so the schema cannot grow a rule the runtime silently
skips (``tests/test_runtime_schema.py`` compiles the real schema). Patterns are ECMA-262 in
JSON Schema, where ``\\d`` is ASCII only: they are compiled with :data:`re.ASCII`.

On top of the schema, values have to make sense, not just match a shape (issue 13):

- integers stay within ±(2**53 - 1), what every JSON reader represents exactly (RFC 8259 §6);
- a string that matches the schema's date pattern is a real calendar date, and one that matches
  its UTC instant pattern a real instant (``2026-02-30`` has the right shape and no day);
- a string that matches the schema's decimal pattern has at most :data:`MAX_DECIMAL_CHARS`
  characters, so no amount or rate costs unbounded arithmetic.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

__all__ = [
    "MAX_DECIMAL_CHARS",
    "MAX_SAFE_INTEGER",
    "Invalid",
    "Validator",
    "compile_schema",
    "with_value_rules",
]

#: Largest integer magnitude a bundle may hold (2**53 - 1: exact in every JSON reader).
MAX_SAFE_INTEGER: Final = 2**53 - 1
#: Longest decimal string (a rate, a rollout percent) a bundle may hold.
MAX_DECIMAL_CHARS: Final = 40

_DATE_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}$"
_INSTANT_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_DECIMAL_PATTERN: Final = r"^-?\d+(\.\d+)?$"

# Keywords that only annotate (they assert nothing).
_ANNOTATIONS: Final = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",  # an annotation in 2020-12 unless a vocabulary says otherwise
    }
)


class Invalid(Exception):
    """A value that breaks the schema: ``where`` is a JSON-path-like location.

    ``problem`` is worded only when it is read: a failed ``anyOf`` branch raises and is caught
    often, and must stay cheap.
    """

    def __init__(self, problem: str | Callable[[], str]) -> None:
        super().__init__()
        self.path: list[str | int] = []  # filled in by the callers on the way out
        self._problem = problem

    @property
    def where(self) -> str:
        return "".join(f"[{part}]" if type(part) is int else f".{part}" for part in self.path)

    @property
    def problem(self) -> str:
        problem = self._problem
        return problem if isinstance(problem, str) else problem()

    def __str__(self) -> str:
        return f"{self.where or '(top)'}: {self.problem}"


Validator = Callable[[Any], None]


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_instant(text: str) -> bool:
    try:
        datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        return False
    return True


def _is_short_decimal(text: str) -> bool:
    return len(text) <= MAX_DECIMAL_CHARS


# Meaning added to the schema's own patterns (see the module documentation).
_PATTERN_MEANING: Final[dict[str, tuple[Callable[[str], bool], str]]] = {
    _DATE_PATTERN: (_is_date, "is not a calendar date"),
    _INSTANT_PATTERN: (_is_instant, "is not a UTC instant"),
    _DECIMAL_PATTERN: (
        _is_short_decimal,
        f"is a decimal of more than {MAX_DECIMAL_CHARS} characters",
    ),
}


def _check_integer(value: Any) -> None:
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise Invalid(f"integer of {len(str(abs(value)))} digits is out of range")


_PYTHON_TYPES: Final[dict[str, frozenset[type]]] = {
    "object": frozenset({dict}),
    "array": frozenset({list}),
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "null": frozenset({type(None)}),
}


def _python_types(names: str | list[str]) -> frozenset[type]:
    listed = [names] if isinstance(names, str) else list(names)
    found: set[type] = set()
    for name in listed:
        if name not in _PYTHON_TYPES:
            raise ValueError(f"unknown JSON Schema type {name!r}")
        found |= _PYTHON_TYPES[name]
    return frozenset(found)


def _gate(schema: Any) -> frozenset[type] | None:
    """The Python types a value must have to pass ``schema``, where the schema says."""
    if not isinstance(schema, dict):
        return None
    if "type" in schema:
        return _python_types(schema["type"])
    if "const" in schema or "enum" in schema:
        options = [schema["const"]] if "const" in schema else schema["enum"]
        return frozenset(type(option) for option in options)
    return None


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Validator] = {}

    def compile(self, schema: Any) -> Validator:
        if schema is True or schema == {}:
            return _accept
        if schema is False:
            return _refuse
        if not isinstance(schema, dict):
            raise ValueError(f"not a schema: {schema!r}")
        unknown = set(schema) - _ANNOTATIONS - _KEYWORDS
        if unknown:
            raise ValueError(f"unsupported JSON Schema keyword(s): {', '.join(sorted(unknown))}")
        checks: list[Validator] = []
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"]))
        if "const" in schema:
            checks.append(self._enum([schema["const"]]))
        if "enum" in schema:
            checks.append(self._enum(schema["enum"]))
        checks.extend(self._string(schema))
        checks.extend(self._number(schema))
        if {"properties", "required", "additionalProperties", "patternProperties"} & set(schema):
            checks.append(self._object(schema))
        checks.extend(self._array(schema))
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                checks.append(self._any_of(schema[keyword], exactly_one=keyword == "oneOf"))
        for part in schema.get("allOf", ()):
            checks.append(self.compile(part))
        if "not" in schema:
            checks.append(self._not(schema["not"]))
        rest = _all(checks)
        if "type" not in schema:
            return rest
        return self._typed(schema["type"], rest)

    def _ref(self, ref: str) -> Validator:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, not {ref!r}")
        if ref not in self.refs:
            # Compiled lazily, so that recursive references compile.
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            slot: list[Validator] = []

            def by_reference(value: Any) -> None:
                slot[0](value)

            self.refs[ref] = by_reference
            slot.append(self.compile(target))
        return self.refs[ref]

    def _typed(self, names: str | list[str], rest: Validator) -> Validator:
        types = _python_types(names)
        integers = int in types
        expected = names if isinstance(names, str) else " or ".join(names)

        def check(value: Any) -> None:
            kind = type(value)
            if kind not in types:
                raise Invalid(lambda: f"{_show(value)} is not of type {expected}")
            if kind is int and integers:
                _check_integer(value)
            elif kind is float and not math.isfinite(value):
                raise Invalid(f"{value} is not a finite number")
            if rest is not _accept:
                rest(value)

        return check

    def _enum(self, options: list[Any]) -> Validator:
        # JSON equality: True is not 1, 1 is not "1".
        keys = {json.dumps(option, sort_keys=True) for option in options}
        simple = all(option is None or type(option) in (str, int, bool) for option in options)
        allowed = [(type(option), option) for option in options]
        text = ", ".join(_show(option) for option in options)

        def check(value: Any) -> None:
            if simple:
                if (type(value), value) in allowed:
                    return
            elif json.dumps(value, sort_keys=True) in keys:
                return
            raise Invalid(lambda: f"{_show(value)} is not one of {text}")

        return check

    def _string(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        if "pattern" in schema:
            source = schema["pattern"]
            pattern = re.compile(source, re.ASCII)
            meaning = _PATTERN_MEANING.get(source)

            def check_pattern(value: Any) -> None:
                if type(value) is not str:
                    return
                if pattern.search(value) is None:
                    raise Invalid(f"{_show(value)} does not match {source}")
                if meaning is not None and not meaning[0](value):
                    raise Invalid(f"{_show(value)} {meaning[1]}")

            checks.append(check_pattern)
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None or high is not None:

            def check_length(value: Any) -> None:
                if type(value) is not str:
                    return
                if low is not None and len(value) < low:
                    raise Invalid(f"shorter than {low} characters")
                if high is not None and len(value) > high:
                    raise Invalid(f"longer than {high} characters")

            checks.append(check_length)
        return checks

    def _number(self, schema: dict[str, Any]) -> list[Validator]:
        tests: list[tuple[str, Callable[[Any, Any], bool], str]] = [
            ("minimum", lambda v, b: v >= b, "less than"),
            ("maximum", lambda v, b: v <= b, "more than"),
            ("exclusiveMinimum", lambda v, b: v > b, "at most"),
            ("exclusiveMaximum", lambda v, b: v < b, "at least"),
        ]
        bounds = [(schema.get(keyword), test, words) for keyword, test, words in tests]
        active = [(b, test, words) for b, test, words in bounds if b is not None]
        if not active:
            return []

        def check(value: Any) -> None:
            if type(value) not in (int, float):
                return
            for bound, test, words in active:
                if not test(value, bound):
                    raise Invalid(f"{_show(value)} is {words} {bound}")

        return [check]

    def _object(self, schema: dict[str, Any]) -> Validator:
        properties = {name: self.compile(s) for name, s in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        patterns = [
            (re.compile(p, re.ASCII), self.compile(s))
            for p, s in schema.get("patternProperties", {}).items()
        ]
        extra_schema = schema.get("additionalProperties", True)
        extra = None if extra_schema is False else self.compile(extra_schema)
        # The common shape "an object of strings" (message catalogues, symbols) as one loop.
        strings_only = (
            not properties
            and not patterns
            and isinstance(extra_schema, dict)
            and set(extra_schema) - _ANNOTATIONS == {"type"}
            and extra_schema["type"] == "string"
        )

        def check(value: Any) -> None:
            if type(value) is not dict:
                return
            for name in required:
                if name not in value:
                    raise Invalid(f"required key '{name}' is missing")
            if strings_only:
                for name, item in value.items():
                    if type(item) is not str:
                        error = Invalid(f"{_show(item)} is not of type string")
                        error.path.append(name)
                        raise error
                return
            for name, item in value.items():
                validator = properties.get(name)
                chosen = [validator] if validator is not None else []
                if not chosen and patterns:
                    chosen = [v for pattern, v in patterns if pattern.search(name)]
                if not chosen:
                    if extra is None:
                        raise Invalid(f"unknown key '{name}'")
                    chosen = [extra]
                try:
                    for child in chosen:
                        child(item)
                except Invalid as error:
                    error.path.insert(0, name)
                    raise

        return check

    def _array(self, schema: dict[str, Any]) -> list[Validator]:
        checks: list[Validator] = []
        prefix = [self.compile(s) for s in schema.get("prefixItems", ())]
        items = self.compile(schema["items"]) if "items" in schema else None
        if prefix or items is not None:

            def check_items(value: Any) -> None:
                if type(value) is not list:
                    return
                for index, item in enumerate(value):
                    try:
                        if index < len(prefix):
                            prefix[index](item)
                        elif items is not None:
                            items(item)
                    except Invalid as error:
                        error.path.insert(0, index)
                        raise

            checks.append(check_items)
        low, high = schema.get("minItems"), schema.get("maxItems")
        unique = schema.get("uniqueItems", False)
        if low is not None or high is not None or unique:

            def check_count(value: Any) -> None:
                if type(value) is not list:
                    return
                if low is not None and len(value) < low:
                    raise Invalid(f"has fewer than {low} items")
                if high is not None and len(value) > high:
                    raise Invalid(f"has more than {high} items")
                if unique:
                    seen = {json.dumps(item, sort_keys=True) for item in value}
                    if len(seen) != len(value):
                        raise Invalid("has repeated items")

            checks.append(check_count)
        return checks

    def _any_of(self, schemas: list[Any], exactly_one: bool) -> Validator:
        options = [(_gate(s), self.compile(s)) for s in schemas]
        word = "exactly one" if exactly_one else "any"

        def check(value: Any) -> None:
            kind = type(value)
            # Options whose type cannot match are skipped without raising: "X or null".
            candidates = [v for gate, v in options if gate is None or kind in gate]
            if len(candidates) == 1 and (not exactly_one or len(options) == 1):
                candidates[0](value)
                return
            passed = 0
            first: Invalid | None = None
            for option in candidates:
                try:
                    option(value)
                except Invalid as error:
                    first = first or error
                    continue
                passed += 1
                if not exactly_one:
                    return
            if passed == 1 and exactly_one:
                return
            if passed == 0 and first is not None and len(candidates) == 1:
                raise first
            raise Invalid(lambda: f"{_show(value)} matches {passed}, not {word}, of the options")

        return check

    def _not(self, schema: Any) -> Validator:
        inner = self.compile(schema)

        def check(value: Any) -> None:
            try:
                inner(value)
            except Invalid:
                return
            raise Invalid(f"{_show(value)} matches a schema it must not match")

        return check


_KEYWORDS: Final = frozenset(
    {
        "$ref",
        "type",
        "const",
        "enum",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
    }
)


def _accept(value: Any) -> None:
    return None


def _refuse(value: Any) -> None:
    raise Invalid("no value is allowed here")


def _all(checks: list[Validator]) -> Validator:
    if not checks:
        return _accept
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks

        def both(value: Any) -> None:
            first(value)
            second(value)

        return both

    def every(value: Any) -> None:
        for check in checks:
            check(value)

    return every


# The value rules above, said in JSON Schema, for a validator that knows no Python: jsonschema-rs
# checks a whole set in a fraction of a millisecond, and the compiled closures above only word
# what it refuses. Dates and instants are checked with ``format`` (asserted by jsonschema-rs when
# asked to) and, for instants, a pattern that leaves out leap seconds, which Python's datetime
# refuses. The keywords go into the subschema itself where they can (``format`` and ``maxLength``
# only constrain strings, which a ``pattern`` already implies), not into ``allOf``/``if``
# branches, which cost jsonschema-rs five times the time.
_STRICT_INSTANT: Final = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
_PATTERN_RULES: Final[dict[str, dict[str, Any]]] = {
    _DATE_PATTERN: {"format": "date"},
    _INSTANT_PATTERN: {"format": "date-time", "pattern": _STRICT_INSTANT},
    _DECIMAL_PATTERN: {"maxLength": MAX_DECIMAL_CHARS},
}
_INTEGER_RULE: Final = {
    "if": {"type": "integer"},
    "then": {"minimum": -MAX_SAFE_INTEGER, "maximum": MAX_SAFE_INTEGER},
}
_SCHEMA_MAPS: Final = frozenset({"properties", "patternProperties", "$defs", "definitions"})
_SCHEMA_LISTS: Final = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_VALUES: Final = frozenset(
    {"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"}
)


def with_value_rules(schema: Any) -> Any:
    """``schema`` with the value rules of this module added as JSON Schema keywords: a schema
    that any 2020-12 validator asserting ``format`` checks as :func:`compile_schema` does, floats
    aside (JSON Schema counts 1.0 as an integer; the caller sends documents holding floats to
    the compiled check)."""
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: with_value_rules(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            result[key] = [with_value_rules(sub) for sub in value]
        elif key in _SCHEMA_VALUES:
            result[key] = with_value_rules(value)
        else:
            result[key] = value
    added: list[dict[str, Any]] = []
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and pattern in _PATTERN_RULES:
        rules = _PATTERN_RULES[pattern]
        if "format" in result and "format" in rules:  # pragma: no cover - not in our schemas
            added.append({"if": {"type": "string"}, "then": rules})
        else:
            result.update(rules)
            if "maxLength" in rules and "maxLength" in schema:
                result["maxLength"] = min(schema["maxLength"], rules["maxLength"])
    kind = schema.get("type")
    if kind == "integer":
        low = schema.get("minimum", -MAX_SAFE_INTEGER)
        high = schema.get("maximum", MAX_SAFE_INTEGER)
        result["minimum"] = max(low, -MAX_SAFE_INTEGER)
        result["maximum"] = min(high, MAX_SAFE_INTEGER)
    elif isinstance(kind, str | list) and int in _python_types(kind):
        added.append(_INTEGER_RULE)
    if added:
        result["allOf"] = [*result.get("allOf", ()), *added]
    return result


def compile_schema(schema: dict[str, Any]) -> Validator:
    """A function ``check(value)`` that raises :class:`Invalid` where ``value`` breaks
    ``schema`` (or the value rules above). ValueError for a schema outside the subset."""
    return _Compiler(schema).compile(schema)
