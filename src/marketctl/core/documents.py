"""YAML documents with the position of every key and value.

Loading keeps what people wrote: dates stay text (the schemas check their format), numbers with a
fraction become exact :class:`~decimal.Decimal` values (never binary floats), and every key and
value remembers its 1-based line and column so a finding can point at it. Anything that stops a
file from loading is returned as a finding, never raised.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeAlias

import yaml as pyyaml

from marketctl.core.diagnostics import Finding, Location, Position, finding
from marketctl.core.limits import (
    MAX_DEPTH,
    MAX_EXPANDED_CHARS,
    MAX_FILE_BYTES,
    MAX_NODES,
    MAX_PURE_PARSER_CHARS,
    MAX_TOKENS,
    number_problem,
    number_text_problem,
    surrogate_position,
    token_problem,
    too_large,
)

Path = tuple[str | int, ...]

# The limits live in marketctl.core.limits (issue 13); these names stay for their importers.
__all__ = ["MAX_FILE_BYTES", "MAX_NODES", "Document", "load_document", "value_at"]

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
    #: The file's bytes, as read: kept as bytes, which are smaller than the text they decode to
    #: wherever a file holds anything but ASCII (issue 11), and decoded on demand.
    raw: bytes = field(default=b"", repr=False)

    @property
    def text(self) -> str:
        """The file's text (what positions inside a scalar are worked out from)."""
        return self.raw.decode("utf-8-sig")

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


# Tags the YAML 1.2 core schema resolves implicitly; anything else was written on purpose
# (!!python/object, !include, !!binary) and has no place in plain market data.
_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"
_TIMESTAMP, _MERGE = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


# Both composers' nodes: libyaml's (PyYAML) on the fast path, ruamel's where a file does not load
# there and its exact error message is wanted (or a %YAML directive asks for another version).
# Both name their kind in ``id``: "scalar", "sequence" or "mapping".
Node: TypeAlias = Any  # ruamel.yaml.nodes.Node | pyyaml.Node (PyYAML ships no type hints)
_SCALAR, _SEQUENCE, _MAPPING = "scalar", "sequence", "mapping"
_PLAIN: Final = pyyaml.ScalarNode  # libyaml's scalars (style None: plain)


def __getattr__(name: str) -> Any:
    """``YAML``, ruamel.yaml's loader, imported where a file first needs it: a file that libyaml
    loads (every valid file without a %YAML directive) never does, so validating a repository
    imports one YAML library."""
    if name == "YAML":
        from ruamel.yaml import YAML

        globals()["YAML"] = YAML
        return YAML
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_CParser: Any
try:
    from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML built without libyaml: the ruamel path only
    _CParser = None


# The implicit tags of YAML 1.2 as ruamel.yaml resolves them (the (1, 2) entries of
# ruamel.yaml.resolver.implicit_resolvers, in its order; tests/test_yaml_loading.py checks that they
# are the same, so the fast path and the ruamel path cannot drift apart): ``yes`` is text, ``0o17``
# an int, ``2026-12-01`` a timestamp (kept as text). Copied, so that loading imports one library.
_YAML_1_2: Final[tuple[tuple[str, str, int, tuple[str, ...]], ...]] = (
    (_BOOL, "^(?:true|True|TRUE|false|False|FALSE)$", re.X, tuple("tTfF")),
    (
        _FLOAT,
        """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
        re.X,
        tuple("-+0123456789."),
    ),
    (
        _INT,
        """^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
        tuple("-+0123456789"),
    ),
    (_MERGE, "^(?:<<)$", 0, ("<",)),
    (
        _NULL,
        """^(?: ~
        |null|Null|NULL
        | )$""",
        re.X,
        ("~", "n", "N", ""),
    ),
    (
        _TIMESTAMP,
        """^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \\t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        re.X,
        tuple("0123456789"),
    ),
    ("tag:yaml.org,2002:value", "^(?:=)$", 0, ("=",)),
    ("tag:yaml.org,2002:yaml", "^(?:!|&|\\*)$", 0, tuple("!&*")),
)


def _by_first() -> dict[str, list[tuple[str, Callable[[str], object]]]]:
    """Each tag with its pattern's ``match``, by the first character a plain scalar that may
    have the tag starts with, in the table's order."""
    found: dict[str, list[tuple[str, Callable[[str], object]]]] = {}
    for tag, pattern, flags, firsts in _YAML_1_2:
        match = re.compile(pattern, flags).match
        for first in firsts:
            found.setdefault(first, []).append((tag, match))
    return found


# libyaml calls ``resolve`` in Python for every node.
_BY_FIRST: Final = _by_first()


class _Yaml12(pyyaml.resolver.BaseResolver):
    """A resolver for libyaml's composer with the YAML 1.2 table above and no path resolvers."""

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        """A quoted scalar is text; a plain one takes the first implicit tag whose pattern
        matches; a list and a mapping take theirs (``BaseResolver.resolve``, without its lists
        built anew for each scalar)."""
        if kind is pyyaml.ScalarNode:
            if implicit[0]:
                for tag, match in _BY_FIRST.get(value[:1], ()):
                    if match(value):
                        return tag
            return _STR
        return _SEQ if kind is pyyaml.SequenceNode else _MAP


_Composer = None if _CParser is None else type("_Composer", (_CParser, _Yaml12), {})


def _compose(text: str, pure: bool = True) -> Node | None:
    """The node tree of a single-document stream: libyaml composes it (C speed, every node with
    its mark); anything libyaml does not load, and a file with a %YAML directive, goes through
    ruamel's pure YAML 1.2 parser, which raises the error a finding reports (libyaml's own
    error where ``pure`` is False: a file too large for the pure parser to read in time)."""
    if _Composer is not None and not text.startswith("%") and "\n%" not in text:
        composer = _Composer(text)
        try:
            node: Node | None = composer.get_single_node()
            return node
        except pyyaml.YAMLError:
            if not pure:
                raise
            # the ruamel path says what is wrong, where
        finally:
            composer.dispose()
    from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError

    with warnings.catch_warnings():
        # A reused anchor name is valid YAML (the later one counts); ruamel warns on stderr.
        warnings.simplefilter("ignore", ReusedAnchorWarning)
        try:
            loaded: Node | None = sys.modules[__name__].YAML(typ="safe", pure=True).compose(text)
        except MarkedYAMLError as error:
            # As libyaml's error: load_document words both alike.
            raise pyyaml.MarkedYAMLError(
                error.context, error.context_mark, error.problem, error.problem_mark
            ) from error
        except YAMLError as error:
            raise pyyaml.YAMLError(str(error)) from error
    return loaded


_VALUE_EVENTS: Final = (
    pyyaml.ScalarEvent,
    pyyaml.AliasEvent,
    pyyaml.SequenceStartEvent,
    pyyaml.MappingStartEvent,
)


def _too_many_values(text: str) -> bool:
    """Whether the file holds more than MAX_TOKENS values, counted from libyaml's events and
    stopping there (no nodes are built). A file libyaml cannot read is not too large here: the
    composer reports its error. Without libyaml, the token count stands."""
    if _CParser is None:  # pragma: no cover - PyYAML built without libyaml
        return True
    parser = _CParser(text)
    values = 0
    try:
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, pyyaml.StreamEndEvent):
                return False
            if isinstance(event, _VALUE_EVENTS):
                values += 1
                if values > MAX_TOKENS:
                    return True
    except pyyaml.YAMLError:
        return False
    finally:
        parser.dispose()


class _TooLarge(Exception):
    """A limit or a cycle; ``node``, where one node is to blame, is where the finding points."""

    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.node = node


class _Refused(Exception):
    """A node that loads as YAML but is not plain market data."""

    def __init__(self, message: str, hint: str, node: Node, code: str = "MKT001") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.node = node
        self.code = code


def _refused_number(text: str, problem: str, node: Node) -> _Refused:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return _Refused(
        f"the number {shown} is refused: {problem}",
        "write the value with at most 30 significant digits (a rate like 25 or 9.975)",
        node,
        code="MKT020",
    )


class _Duplicate(Exception):
    def __init__(self, name: str, first: Node, second: Node) -> None:
        super().__init__(name)
        self.name = name
        self.first = first
        self.second = second


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


# A position packed in one integer, line above column: a loaded file keeps one per key and per
# value, and an int is a third of the memory of a Position tuple (issue 11).
_COLUMN_BITS = 32
_COLUMN_MASK = (1 << _COLUMN_BITS) - 1


def _packed(node: Node) -> int:
    mark = node.start_mark
    line: int = mark.line + 1
    column: int = mark.column + 1
    return (line << _COLUMN_BITS) | column


def _pack(position: Position) -> int:
    return (position.line << _COLUMN_BITS) | position.column


def _unpack(packed: int) -> Position:
    return Position(packed >> _COLUMN_BITS, packed & _COLUMN_MASK)


class Positions(Mapping[Path, Position]):
    """The positions of a document's keys or values by path, kept packed."""

    __slots__ = ("_packed",)

    def __init__(self, packed: dict[Path, int]) -> None:
        self._packed = packed

    def __getitem__(self, path: Path) -> Position:
        return _unpack(self._packed[path])

    def get(self, path: Path, default: Any = None) -> Any:
        packed = self._packed.get(path)
        return default if packed is None else _unpack(packed)

    def __contains__(self, path: object) -> bool:
        return path in self._packed

    def __iter__(self) -> Iterator[Path]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


_BLANK = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")


def _scalar(node: Any, escapes: bool = True) -> Any:
    """A scalar as the YAML 1.2 core schema reads it, except that dates stay text and
    fractions become exact decimals. ``escapes``: whether the file has ``\\u`` or ``\\U``
    escapes, the only way a lone surrogate gets into text decoded from UTF-8."""
    text = str(node.value)
    tag = node.tag
    if tag in (_STR, _TIMESTAMP):
        at = surrogate_position(text) if escapes else None
        if at is not None:
            raise _Refused(
                f"the text holds a lone surrogate \\u{ord(text[at]):04x} (character {at + 1}),"
                " which is not a character and cannot be written as UTF-8",
                "remove the \\u escape, or write the character itself",
                node,
                code="MKT002",
            )
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return text.lower() == "true"
    if tag == _INT:
        digits = text.replace("_", "")
        unsigned = digits.lstrip("+-")
        problem = number_text_problem(digits)
        if problem is not None:
            raise _refused_number(text, problem, node)
        try:
            base = 0 if unsigned[:2].lower() in ("0x", "0o", "0b") else 10
            number = int(digits, base)
        except ValueError:
            return text  # the resolver's idea of a number ("+_") that is none: text
        problem = number_problem(number)
        if problem is not None:
            raise _refused_number(text, problem, node)
        return number
    if tag == _FLOAT:
        digits = text.replace("_", "")
        if digits.lower().lstrip("+-") in {".inf", ".nan"}:
            # Not a number anyone means as a price or a rate (issue 13: `.nan` once shipped).
            raise _refused_number(text, "NaN and infinities are not values", node)
        problem = number_text_problem(digits)
        if problem is not None:
            raise _refused_number(text, problem, node)
        try:
            value = Decimal(digits)
        except InvalidOperation:
            return text  # "._" resolves as a float but is no number: text
        problem = number_problem(value)
        if problem is not None:
            raise _refused_number(text, problem, node)
        return value
    raise _Refused(
        f"YAML tag '{tag}' is not allowed in market files",
        "remove the tag and write the plain value",
        node,
    )


class _Converter:
    """Turns composed YAML nodes into plain dicts and lists, recording positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.escapes = "\\u" in text or "\\U" in text
        self.values: dict[Path, int] = {}
        self.keys: dict[Path, int] = {}
        self.nodes = 0
        self.chars = 0
        self.open: set[int] = set()
        self.counted = (0, 0)  # an offset in the text, and the line feeds before it

    def convert(self, node: Node, path: Path) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES} values (are aliases expanding?)")
        if len(path) > MAX_DEPTH:
            raise _TooLarge(f"values nest more than {MAX_DEPTH} levels deep")
        kind = node.id
        if kind == _SCALAR:
            value = node.value
            # Aliases repeat a text without copying it here, but every later step (schemas,
            # rules, bundles) pays for each repetition: count the characters as expanded.
            self.chars += len(value)
            if self.chars > MAX_EXPANDED_CHARS:
                raise _TooLarge(
                    f"more than {MAX_EXPANDED_CHARS} characters of values (are aliases expanding?)"
                )
            if node.tag == _STR and not self.escapes and type(value) is str:
                return value  # most values: text, as written
            return _scalar(node, self.escapes)
        if kind not in (_MAPPING, _SEQUENCE):  # pragma: no cover - the composer makes no others
            raise _Refused("unknown YAML node", "write plain YAML", node)
        # An alias inside its own anchor makes the node graph a cycle.
        if id(node) in self.open:
            raise _TooLarge("an alias refers to the mapping or list that contains it", node)
        self.open.add(id(node))
        try:
            return self._collection(node, path)
        finally:
            self.open.discard(id(node))

    def _collection(self, node: Any, path: Path) -> Any:
        if node.id == _MAPPING:
            if node.tag != _MAP:
                raise _Refused(
                    f"YAML tag '{node.tag}' is not allowed in market files",
                    "remove the tag and write the plain mapping",
                    node,
                )
            return self._mapping(node, path)
        if node.tag != _SEQ:
            raise _Refused(
                f"YAML tag '{node.tag}' is not allowed in market files",
                "remove the tag and write the plain list",
                node,
            )
        items = []
        values = self.values
        for index, item in enumerate(node.value):
            child = (*path, index)
            values[child] = _packed(item)
            items.append(self.convert(item, child))
        return items

    def empty_aware(self, node: Node) -> int:
        """Where a plain empty value of a block mapping (``key:`` and nothing) is, as ruamel
        says: at the next token (the next line's key), where libyaml says the end of ``key:``.
        Lines are counted on from the last empty value's (values come in the order written, but
        for aliases and merges), not from the top of the file each time."""
        text = self.text
        end = _BLANK.match(text, node.start_mark.index).end()  # type: ignore[union-attr]
        counted, lines = self.counted
        if end < counted:
            counted, lines = 0, 0
        lines += text.count("\n", counted, end)
        self.counted = (end, lines)
        return _pack(Position(lines + 1, end - (text.rfind("\n", 0, end) + 1) + 1))

    def empty_in_flow(self, node: Node) -> int:
        """An empty value in ``{a: , b: 1}``: libyaml says the ``,``, ruamel right after ``:``."""
        index = node.start_mark.index
        before = self.text[:index].rstrip(" \t\r\n")
        if not before.endswith(":"):
            return _packed(node)
        line = before.count("\n")
        return _pack(Position(line + 1, len(before) - (before.rfind("\n") + 1) + 1))

    def _mapping(self, node: Any, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        written: dict[str, Node] = {}
        empty = self.empty_in_flow if node.flow_style else self.empty_aware
        merged: list[Node] = []
        escapes = self.escapes
        keys, values = self.keys, self.values
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _MERGE:
                merged.extend(value_node.value if value_node.id == _SEQUENCE else [value_node])
                continue
            if key_node.id != _SCALAR:
                raise _Refused(
                    "a key must be plain text, not a list or a mapping",
                    "write the key as text",
                    key_node,
                )
            name = key_node.value
            if tag != _STR or escapes or type(name) is not str:
                key = _scalar(key_node, escapes)
                name = key if isinstance(key, str) else str(key_node.value)
            if name in written:
                raise _Duplicate(name, written[name], key_node)
            written[name] = key_node
            child = (*path, name)
            mark = key_node.start_mark
            keys[child] = ((mark.line + 1) << _COLUMN_BITS) | (mark.column + 1)
            if type(value_node) is _PLAIN and not value_node.value and not value_node.style:
                values[child] = empty(value_node)  # a plain empty value: where ruamel says
            else:
                mark = value_node.start_mark
                values[child] = ((mark.line + 1) << _COLUMN_BITS) | (mark.column + 1)
            result[name] = self.convert(value_node, child)
        # `<<: *defaults` merges: keys written in the mapping itself win (YAML merge key spec).
        for source in merged:
            if source.id != _MAPPING:
                raise _Refused("'<<' merges only mappings", "merge a mapping alias", source)
            for key_node, value_node in source.value:
                name = str(key_node.value)
                if name in result:
                    continue
                child = (*path, name)
                keys[child] = _packed(key_node)
                values[child] = _packed(value_node)
                result[name] = self.convert(value_node, child)
        return result


def _finding(code: str, path: str, position: Position | None, message: str, hint: str) -> Finding:
    return finding(code, Location.at(path, position), message, hint)


def _mark_position(error: pyyaml.MarkedYAMLError) -> Position | None:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return None
    return Position(mark.line + 1, mark.column + 1)


def _ignores(text: str) -> dict[int, frozenset[str]]:
    result: dict[int, frozenset[str]] = {}
    if "marketctl" not in text:  # most files: no ignore comment, and no line to look at
        return result
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE_COMMENT.search(line)
        if match:
            codes = frozenset(code.strip() for code in match.group(1).split(",") if code.strip())
            result[number] = codes
    return result


def load_document(path: str, raw: bytes) -> tuple[Document | None, list[Finding]]:
    """Parse one file. Returns the document, or None and the findings that stopped it."""
    if len(raw) > MAX_FILE_BYTES:
        refused = too_large(len(raw))
        return None, [_finding("MKT009", path, None, refused.message, refused.hint)]
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
    problem = token_problem(text)
    # The pure-Python parser only words the errors of files it reads in well under a second.
    pure = problem is None and len(text) <= MAX_PURE_PARSER_CHARS
    if problem is not None and not _too_many_values(text):
        problem = None  # many tokens in quoted text, few values
    if problem is not None:
        return None, [
            _finding(
                "MKT009",
                path,
                None,
                f"refused to load: {problem}",
                "split it, or check that it is the file you meant to commit",
            )
        ]
    first_line = text.split("\n", 1)[0].rstrip("\r")
    # Composing (not constructing) as YAML 1.2: nodes carry positions, and nothing but plain
    # data is built from them.
    try:
        loaded = _compose(text, pure)
    except pyyaml.MarkedYAMLError as error:
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
    except (pyyaml.YAMLError, RecursionError, ValueError, TypeError) as error:
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
    if loaded.id != _MAPPING:
        kind = "a list" if loaded.id == _SEQUENCE else "a single value"
        return None, [
            _finding(
                "MKT005",
                path,
                Position(1, 1),
                f"the file holds {kind}, but a market file must be a mapping of keys to values",
                "start the file with `key: value` lines (see docs/file-formats.md)",
            )
        ]
    converter = _Converter(text)
    try:
        data = converter.convert(loaded, ())
    except _Duplicate as error:
        return None, [
            _finding(
                "MKT003",
                path,
                _position(error.second),
                f"duplicate key '{error.name}': already defined on line "
                f"{error.first.start_mark.line + 1}",
                "remove one of the two, or merge them; YAML keeps only one",
            )
        ]
    except _Refused as error:
        return None, [_finding(error.code, path, _position(error.node), error.message, error.hint)]
    except (_TooLarge, RecursionError) as error:
        reason = str(error) or "the file nests too deeply"
        node = getattr(error, "node", None)
        return None, [
            _finding(
                "MKT009",
                path,
                None if node is None else _position(node),
                f"refused to load: {reason}",
                "write the values out instead of nesting aliases",
            )
        ]
    converter.values[()] = _packed(loaded)
    document = Document(
        path=path,
        data=data,
        values=Positions(converter.values),
        keys=Positions(converter.keys),
        first_line=first_line,
        ignores=_ignores(text),
        raw=raw,
    )
    return document, []
