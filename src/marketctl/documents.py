"""YAML documents with the position of every key and value.

Loading keeps what people wrote: dates stay text (the schemas check their format), numbers with a
fraction become exact :class:`~decimal.Decimal` values (never binary floats), and every key and
value remembers its 1-based line and column so a finding can point at it. Anything that stops a
file from loading is returned as a finding, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.scalarbool import ScalarBoolean

from marketctl.diagnostics import Finding, Location, Position
from marketctl.rules import catalogue

Path = tuple[str | int, ...]

# Anything bigger is not a hand-written config file; refusing it keeps a hostile file (or an
# alias "billion laughs") from eating the CI machine.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000

_IGNORE_COMMENT = re.compile(r"#\s*marketctl:\s*ignore\[([A-Z0-9,\s]+)\]")


@dataclass(frozen=True)
class Document:
    """One loaded YAML file: plain data plus where each part of it was written."""

    path: str
    data: Any
    values: Mapping[Path, Position] = field(default_factory=dict)
    keys: Mapping[Path, Position] = field(default_factory=dict)
    first_line: str = ""
    ignores: Mapping[int, frozenset[str]] = field(default_factory=dict)
    text: str = field(default="", repr=False)

    def value_position(self, path: Path) -> Position:
        """Where the value at ``path`` starts, or its nearest written ancestor."""
        for depth in range(len(path), -1, -1):
            position = self.values.get(path[:depth])
            if position is not None:
                return position
        return Position(1, 1)

    def key_position(self, path: Path) -> Position:
        """Where the key that names ``path`` is written (the value's position for list items)."""
        return self.keys.get(path) or self.value_position(path)

    def value_location(self, path: Path) -> Location:
        return Location.at(self.path, self.value_position(path))

    def key_location(self, path: Path) -> Location:
        return Location.at(self.path, self.key_position(path))

    def get(self, path: Path) -> Any:
        """The value at ``path``, or None where the document does not have it."""
        return value_at(self.data, path)


def value_at(data: Any, path: Path) -> Any:
    """The value at ``path`` in plain data, or None where there is none."""
    node = data
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            continue
        return None
    return node


class _Constructor(RoundTripConstructor):
    """Round-trip construction, except that dates stay text and fractions are exact."""


def _timestamp_as_text(constructor: RoundTripConstructor, node: ScalarNode) -> str:
    return str(node.value)


def _float_as_decimal(constructor: RoundTripConstructor, node: ScalarNode) -> Decimal | float:
    text = str(node.value).replace("_", "")
    if text.lower().lstrip("+-") in {".inf", ".nan"}:
        # Not a number anyone means as a price or a rate; the schema's bounds reject it.
        return float(text.lower().replace(".", ""))
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the resolver only sends valid floats here
        return float(text)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_Constructor.add_constructor("tag:yaml.org,2002:float", _float_as_decimal)


class _TooLarge(Exception):
    pass


class _CustomTag(Exception):
    def __init__(self, tag: str, path: Path) -> None:
        super().__init__(tag)
        self.tag = tag
        self.path = path


def _explicit_tag(node: Any) -> str | None:
    if isinstance(node, TaggedScalar):
        return str(node.tag.value)
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", None)
    return str(value) if value else None


class _Converter:
    """Turns ruamel's round-trip tree into plain dicts and lists, recording positions."""

    def __init__(self) -> None:
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.nodes = 0

    def convert(self, node: Any, path: Path) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES} values (are aliases expanding?)")
        tag = _explicit_tag(node)
        if tag is not None:
            # Market files are plain data; a tag (!!python/object, !include) is never meant.
            raise _CustomTag(tag, path)
        if isinstance(node, CommentedMap):
            result: dict[str, Any] = {}
            for key in node:
                name = key if isinstance(key, str) else str(_plain_scalar(key))
                child = (*path, name)
                self._record(self.keys, child, node.lc.key(key))
                self._record(self.values, child, node.lc.value(key))
                result[name] = self.convert(node[key], child)
            return result
        if isinstance(node, CommentedSeq):
            items = []
            for index, item in enumerate(node):
                child = (*path, index)
                self._record(self.values, child, node.lc.item(index))
                items.append(self.convert(item, child))
            return items
        return _plain_scalar(node)

    @staticmethod
    def _record(table: dict[Path, Position], path: Path, where: Any) -> None:
        if where is not None:
            line, column = where[0], where[1]
            table[path] = Position(line + 1, column + 1)


def _plain_scalar(value: Any) -> Any:
    if value is None or isinstance(value, Decimal | float):
        return value
    if isinstance(value, bool | ScalarBoolean):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    return str(value)


def _finding(code: str, path: str, position: Position | None, message: str, hint: str) -> Finding:
    return catalogue()[code].finding(Location.at(path, position), message, hint)


def _mark_position(error: MarkedYAMLError) -> Position | None:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return None
    return Position(mark.line + 1, mark.column + 1)


def _ignores(text: str) -> dict[int, frozenset[str]]:
    result: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE_COMMENT.search(line)
        if match:
            codes = frozenset(code.strip() for code in match.group(1).split(",") if code.strip())
            result[number] = codes
    return result


def load_document(path: str, raw: bytes) -> tuple[Document | None, list[Finding]]:
    """Parse one file. Returns the document, or None and the findings that stopped it."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            _finding(
                "MKT009",
                path,
                None,
                f"file is {len(raw)} bytes, more than the {MAX_FILE_BYTES} a market file may have",
                "split it, or check that it is the file you meant to commit",
            )
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [
            _finding(
                "MKT002",
                path,
                Position(line, column),
                f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded",
                "save the file as UTF-8 (most editors: 'Save with encoding')",
            )
        ]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [
            _finding(
                "MKT002",
                path,
                Position(line, 1),
                "the file holds a NUL character: it is binary, not YAML",
                "replace it with the YAML text it should be",
            )
        ]
    first_line = text.split("\n", 1)[0].rstrip("\r")
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        loaded = yaml.load(text)
    except DuplicateKeyError as error:
        first = error.context_mark
        second = error.problem_mark
        key = re.search(r'duplicate key "(.*?)"', str(error.problem))
        name = key.group(1) if key else "?"
        return None, [
            _finding(
                "MKT003",
                path,
                Position(second.line + 1, second.column + 1),
                f"duplicate key '{name}': already defined on line {first.line + 1}",
                "remove one of the two, or merge them; YAML keeps only one",
            )
        ]
    except MarkedYAMLError as error:
        problem = (error.problem or error.context or "invalid YAML").strip()
        started = error.context_mark
        if error.problem and error.context and started is not None:
            # "while parsing a flow sequence" started on an earlier line: say where.
            what = re.sub(r"^while (parsing|scanning) ", "", str(error.context)).strip()
            problem += f" ({what} that starts on line {started.line + 1})"
        return None, [
            _finding(
                "MKT001",
                path,
                _mark_position(error),
                f"YAML syntax error: {problem}",
                "check indentation, colons and quotes on this line and the one before",
            )
        ]
    except (YAMLError, RecursionError, ValueError, TypeError) as error:
        return None, [
            _finding(
                "MKT001",
                path,
                None,
                f"YAML syntax error: {error}",
                "check the file's structure",
            )
        ]
    if loaded is None:
        return None, [
            _finding(
                "MKT004",
                path,
                Position(1, 1),
                "the file is empty",
                "write the file's content, or delete the file if the layer needs nothing here",
            )
        ]
    if not isinstance(loaded, CommentedMap):
        kind = "a list" if isinstance(loaded, CommentedSeq) else f"a {type(loaded).__name__}"
        return None, [
            _finding(
                "MKT005",
                path,
                Position(1, 1),
                f"the file holds {kind}, but a market file must be a mapping of keys to values",
                "start the file with `key: value` lines (see docs/file-formats.md)",
            )
        ]
    converter = _Converter()
    try:
        data = converter.convert(loaded, ())
    except _CustomTag as error:
        position = converter.values.get(error.path) or converter.keys.get(error.path)
        return None, [
            _finding(
                "MKT001",
                path,
                position,
                f"YAML tag '{error.tag}' is not allowed in market files",
                "remove the tag and write the plain value",
            )
        ]
    except (_TooLarge, RecursionError) as error:
        reason = str(error) or "the file nests too deeply"
        return None, [
            _finding(
                "MKT009",
                path,
                None,
                f"refused to load: {reason}",
                "write the values out instead of nesting aliases",
            )
        ]
    line, column = loaded.lc.line, loaded.lc.col
    converter.values[()] = Position(line + 1, column + 1)
    document = Document(
        path=path,
        data=data,
        values=converter.values,
        keys=converter.keys,
        first_line=first_line,
        ignores=_ignores(text),
        text=text,
    )
    return document, []
