"""ICU MessageFormat analysis for the message rules (MKT5xx) and translation coverage.

One place parses message texts (each distinct text once per process, or once per catalogue
for translations, :func:`parse_message`),
extracts what the rules compare (arguments and their types, plural and select branches, markup
tags, the displayed length), knows the CLDR plural categories of a locale
(:func:`plural_categories`), walks every catalogue text of a repository
(:func:`catalogue_texts`) and turns a character offset inside a message into the line and column
of the YAML file it was written in (:meth:`CatalogueText.location_at`).

The checks follow the translation tools people already use: FormatJS ``verify`` (structural
equality of placeholders), messageformat's strict plural keys (CLDR categories), Weblate and
Crowdin (markup, length, identical and whitespace checks).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from babel import Locale, UnknownLocaleError

from marketctl.core.diagnostics import Location, Position
from marketctl.core.documents import Document, Path
from marketctl.core.lazy import lazy
from marketctl.core.limits import MAX_MESSAGE_CHARS
from marketctl.reference import cldr
from marketctl.reference.locales import SOURCE_LOCALE
from marketctl.repository.markets import DEFAULTS, Repository
from marketctl.runtime import icusyntax
from marketctl.runtime.icu import parse_nodes
from marketctl.runtime.plurals import CATEGORIES, plural_rules

__all__ = [
    "ALLOWED_TAGS",
    "CatalogueText",
    "Choice",
    "Markup",
    "Message",
    "Placeholder",
    "PluralCategories",
    "SyntaxProblem",
    "catalogue_texts",
    "is_english",
    "language_name",
    "parse_message",
    "parsed_translations",
    "parsing_scope",
    "plural_categories",
    "source_entries",
    "source_entry",
    "source_messages",
    "written",
]

# Tags are copied into the output as markup for the UI layer (runtime/icu.py), which renders only
# these; anything else would show up as literal "<u>" on a page or in an email. The list is the
# one docs/file-formats.md gives translators, plus <em> (the semantic twin of <i>).
ALLOWED_TAGS: Final = frozenset({"b", "i", "strong", "em", "link"})

_PLURAL_TYPES: Final = icusyntax.PLURAL_TYPES


@dataclass(frozen=True)
class SyntaxProblem:
    """Why a text is not ICU MessageFormat, and the character offset where the parser stopped."""

    message: str
    offset: int


@dataclass(frozen=True)
class Placeholder:
    """An argument as written: ``{amount, number, currency}`` has kind ``number, currency``."""

    name: str
    kind: str
    offset: int


@dataclass(frozen=True)
class Choice:
    """A plural, selectordinal or select argument, with its selectors in written order."""

    name: str
    type: str
    offset: int
    plural_offset: int
    selectors: tuple[tuple[str, int], ...]

    # Choices belong to messages parsed once per distinct text and read by several rules in
    # every catalogue that has the text: what they derive is worked out once (read, never
    # change it).
    @lazy
    def keys(self) -> list[str]:
        return [selector for selector, _ in self.selectors]

    @lazy
    def is_plural(self) -> bool:
        """plural or selectordinal: branches are CLDR categories and ``=N`` values."""
        return self.type in _PLURAL_TYPES

    @lazy
    def explicit_values(self) -> set[int]:
        """The integers of the ``=N`` selectors."""
        return {int(key[1:]) for key in self.keys if re.fullmatch(r"=-?\d+", key)}


@dataclass(frozen=True)
class Markup:
    """A tag; ``path`` is the tags around it and itself, outermost first (``("b", "i")``)."""

    name: str
    path: tuple[str, ...]
    offset: int


@dataclass(frozen=True)
class Message:
    """What the rules compare in one parsed message text."""

    text: str
    placeholders: tuple[Placeholder, ...]
    choices: tuple[Choice, ...]
    tags: tuple[Markup, ...]
    length: int

    @lazy
    def arguments(self) -> dict[str, list[str]]:
        """Each argument's kinds, in written order (an argument may be used more than once).
        Worked out once per distinct text (a message is shared by every catalogue that has the
        text); read it, never change it."""
        kinds: dict[str, list[str]] = {}
        for placeholder in self.placeholders:
            found = kinds.setdefault(placeholder.name, [])
            if placeholder.kind not in found:
                found.append(placeholder.kind)
        return kinds

    def first(self, name: str) -> Placeholder:
        return self._firsts[name]

    @lazy
    def _firsts(self) -> dict[str, Placeholder]:
        # One pass for all names: a text with N arguments once cost N² here (issue 13).
        firsts: dict[str, Placeholder] = {}
        for placeholder in self.placeholders:
            firsts.setdefault(placeholder.name, placeholder)
        return firsts

    @lazy
    def select_branches(self) -> dict[str, list[str]]:
        """Each select argument's branch keys, over all its occurrences, in written order
        (once per distinct text; read it, never change it)."""
        branches: dict[str, list[str]] = {}
        for choice in self.choices:
            if choice.type == "select":
                found = branches.setdefault(choice.name, [])
                found.extend(key for key in choice.keys if key not in found)
        return branches


# Parsed texts: the source catalogue's for the whole process (every translation is compared with
# them), the others within the current scope (:func:`parsing_scope`: one catalogue's texts are
# let go before the next catalogue is read, so memory holds one catalogue's messages at a time).
_PARSED: dict[str, Message | SyntaxProblem] = {}
_SCOPED: list[dict[str, Message | SyntaxProblem]] = []


def parse_message(text: str) -> Message | SyntaxProblem:
    """Parse one ICU MessageFormat text with the runtime's parser (the one definition of the
    subset marketctl supports); each distinct text is parsed once per process, or once per
    :func:`parsing_scope`."""
    found = _PARSED.get(text)
    if found is None:
        kept = _SCOPED[-1] if _SCOPED else _PARSED
        found = kept.get(text)
        if found is None:
            found = kept[text] = _parse(text)
    return found


@contextmanager
def parsing_scope() -> Iterator[None]:
    """Texts first parsed inside are forgotten at the end (those parsed before stay)."""
    _SCOPED.append({})
    try:
        yield
    finally:
        _SCOPED.pop()


def source_messages(repository: Repository) -> None:
    """Parse the source catalogue's texts for the whole process, outside any scope: once per
    repository (each catalogue's task calls it; forked workers inherit what was done)."""
    if repository.derived.get("source_parsed"):
        return
    for entry in source_entries(repository).values():
        text = entry["message"]
        if text not in _PARSED:
            _PARSED[text] = _parse(text)
    repository.derived["source_parsed"] = True


def _parse(text: str) -> Message | SyntaxProblem:
    if len(text) > MAX_MESSAGE_CHARS:  # MKT520 reports it; nobody parses a megabyte
        return SyntaxProblem(f"longer than {MAX_MESSAGE_CHARS} characters", 0)
    try:
        # The runtime's parser, which notes the compiler's verdict on the text: a build checks
        # every text it writes, and parses none that validation parsed.
        nodes = parse_nodes(text)
    except icusyntax.ICUSyntaxError as error:
        return SyntaxProblem(error.reason, min(error.offset, len(text)))
    collector = _Collector()
    collector.walk(nodes, ())
    return Message(
        text,
        tuple(collector.placeholders),
        tuple(collector.choices),
        tuple(collector.tags),
        _displayed_length(nodes),
    )


@dataclass
class _Collector:
    placeholders: list[Placeholder] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    tags: list[Markup] = field(default_factory=list)

    def walk(self, nodes: list[icusyntax.Node], tags: tuple[str, ...]) -> None:
        for node in nodes:
            if type(node) is str or type(node) is icusyntax.Hash:
                continue  # `#` is the enclosing plural's own argument
            if type(node) is icusyntax.Tag:
                path = (*tags, node.name)
                self.tags.append(Markup(node.name, path, node.start))
                self.walk(node.contents, path)
            elif type(node) is icusyntax.Argument:
                kind = node.type or "plain"
                if node.style:
                    kind += f", {node.style}"
                self.placeholders.append(Placeholder(node.name, kind, node.start))
            elif type(node) is icusyntax.Choice:
                kind = node.type
                if kind == "plural" and node.offset:
                    kind += f", offset:{node.offset}"
                self.placeholders.append(Placeholder(node.name, kind, node.start))
                self.choices.append(
                    Choice(
                        node.name,
                        node.type,
                        node.start,
                        node.offset,
                        tuple((option.selector, option.start) for option in node.options),
                    )
                )
                for option in node.options:
                    self.walk(option.contents, tags)


def _displayed_length(nodes: list[icusyntax.Node]) -> int:
    """The longest text the message can show: tags do not count, a choice counts its longest
    branch, an argument counts as written (``{name}`` is 6 characters)."""
    total = 0
    for node in nodes:
        if type(node) is str:
            total += len(node)
        elif type(node) is icusyntax.Tag:
            total += _displayed_length(node.contents)
        elif type(node) is icusyntax.Choice:
            total += max((_displayed_length(option.contents) for option in node.options), default=0)
        else:
            assert not isinstance(node, str)
            total += node.end - node.start
    return total


# --- CLDR plural categories ----------------------------------------------------------------------

# Whole numbers to evaluate the rules on: every integer below 2000 (all residues CLDR's `i mod 10`,
# `mod 100` and `mod 1000` conditions look at, and every range it names below 1000) and, sparsely,
# round numbers up to 2 * 10**7 and a few after them, where the `i mod 100000` and `mod 1000000`
# conditions are met (French, Italian, Spanish `many` for 1000000).
_WHOLE_NUMBERS: Final = tuple(
    sorted(
        set(range(2000))
        | {m * 10**j + r for j in range(3, 8) for m in range(1, 20) for r in range(21)}
    )
)


@dataclass(frozen=True)
class PluralCategories:
    """A locale's plural (or ordinal) categories and the whole numbers that reach each."""

    categories: frozenset[str]
    examples: Mapping[str, int]  # the smallest non-negative integer in each category
    finite: Mapping[str, frozenset[int]]  # categories only a few small integers reach: those

    @lazy
    def ordered(self) -> tuple[str, ...]:
        """The categories in CLDR's order (zero, one, two, few, many, other)."""
        return tuple(category for category in CATEGORIES if category in self.categories)

    def covered(self, category: str, explicit: set[int], offset: int) -> bool:
        """True where ``=N`` selectors catch every whole number of the category (the category
        is chosen on the number minus the offset, ``=N`` on the number itself)."""
        values = self.finite.get(category)
        return values is not None and all(value + offset in explicit for value in values)


@cache
def plural_categories(tag: str, ordinal: bool = False) -> PluralCategories | None:
    """CLDR categories of a BCP 47 locale from Babel, None where CLDR does not know it.

    Babel's ``plural_form.tags`` leaves out ``other``, which every locale has: it is added.
    """
    rules = cldr.plural_rules_of(tag, ordinal)
    if rules is None:
        return None
    return _categories(tuple(sorted(rules.items())))


@cache
def _categories(rules: tuple[tuple[str, str], ...]) -> PluralCategories:
    """Evaluated once per distinct rule set (fr and fr-CA share theirs)."""
    # The runtime's compiled rules: the same CLDR rules, about twenty times faster to call.
    select = plural_rules(dict(rules)).select
    reached: dict[str, list[int]] = {}
    for number in _WHOLE_NUMBERS:
        reached.setdefault(select(number), []).append(number)
    return PluralCategories(
        categories=frozenset(category for category, _ in rules) | {"other"},
        examples={category: numbers[0] for category, numbers in reached.items()},
        # Every integer below 2000 is evaluated: a category no integer from 1000 up reaches is
        # reached only by the few listed (CLDR's integer conditions repeat with a period of at
        # most 1000, or are met again at 10**5 and 10**6).
        finite={
            category: frozenset(numbers)
            for category, numbers in reached.items()
            if numbers[-1] < 1000
        },
    )


@cache
def language_name(tag: str) -> str:
    """``French (Canada) (fr-CA)``, or the tag alone where CLDR does not know it."""
    try:
        return f"{Locale.parse(tag, sep='-').english_name} ({tag})"
    except (UnknownLocaleError, ValueError):
        return tag


def is_english(tag: str) -> bool:
    return tag.split("-", 1)[0].lower() == SOURCE_LOCALE


# --- catalogues ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogueText:
    """One message text where it is written: a translation (``key: "..."``) or a source entry's
    ``message``."""

    key: str
    tag: str
    text: str
    document: Document
    path: Path

    @property
    def location(self) -> Location:
        return self.document.value_location(self.path)

    @property
    def key_location(self) -> Location:
        return self.document.key_location((self.key,))

    def location_at(self, offset: int) -> Location:
        """The file position of the character at ``offset`` of the text."""
        start, decoded = self._decoded
        return _location_at(self.document, start, decoded, offset)

    # Slots, not a __dict__: a large repository has a hundred thousand texts (issue 11).
    _decoded_once: tuple[Position, _Decoded | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def _decoded(self) -> tuple[Position, _Decoded | None]:
        # Decoded once per text, however many findings point into it (issue 13: MKT504 once
        # decoded the whole scalar again for each of N arguments).
        found = self._decoded_once
        if found is None:
            found = _decode_value(self.document, self.path, self.text)
            object.__setattr__(self, "_decoded_once", found)
        return found


def source_entry(repository: Repository, key: str) -> dict[str, Any] | None:
    """The source catalogue's entry for a key, where it has a message text."""
    return source_entries(repository).get(key)


def source_entries(repository: Repository) -> dict[str, dict[str, Any]]:
    """The source catalogue's entries that have a message text, by key: made once per
    repository (called for every translation by several rules, so the table is read
    directly)."""
    entries: dict[str, dict[str, Any]] | None = repository.derived.get("source_entries")
    if entries is None:
        entries = repository.derived["source_entries"] = _source_entries(repository)
    return entries


def borrow_source(part: Repository, whole: Repository) -> None:
    """Give ``part`` (a repository made of some of ``whole``'s catalogues, with the same source
    catalogue) the source tables ``whole`` has made, instead of making them again."""
    part.derived["source_entries"] = source_entries(whole)


def _source_entries(repository: Repository) -> dict[str, dict[str, Any]]:
    catalogue = repository.source_catalogue
    if catalogue is None or not isinstance(catalogue.data, dict):
        return {}
    return {
        key: entry
        for key, entry in catalogue.data.items()
        if isinstance(entry, dict) and isinstance(entry.get("message"), str)
    }


def _shared(repository: Repository, name: str, make: Callable[[], Any]) -> Any:
    """What is derived from the repository, made once per repository (every rule walks it)."""
    cache = repository.derived
    found = cache.get(name)
    if found is None:
        found = cache[name] = make()
    return found


def catalogue_texts(repository: Repository, *, source: bool = True) -> Iterator[CatalogueText]:
    """Every message text of every catalogue, each once (shared catalogues are not repeated per
    market); values that are not text are left to the schema. ``source=False``: the
    translations only."""
    texts, sources = _shared(repository, "catalogue_texts", lambda: _all_texts(repository))
    return iter(texts) if source else itertools.islice(texts, sources, None)


def walk_translations_only(repository: Repository) -> None:
    """Leave the source catalogue's own texts out of what the message rules walk in this
    repository; they still read it for the source of each translation. For a run that keeps
    what they say about the source from before (:mod:`~marketctl.checks.incremental`)."""
    repository.derived["catalogue_texts"] = (list(_translation_texts(repository, _fits)), 0)


def _all_texts(repository: Repository) -> tuple[list[CatalogueText], int]:
    """The texts MKT520 lets through, the source catalogue's first, and how many those are."""
    sources = list(_source_texts(repository, _fits))
    return [*sources, *_translation_texts(repository, _fits)], len(sources)


def oversized_texts(repository: Repository) -> Iterator[CatalogueText]:
    """The texts :func:`catalogue_texts` leaves out: longer than
    :data:`~marketctl.core.limits.MAX_MESSAGE_CHARS` (MKT520's; no other rule reads them)."""
    yield from _source_texts(repository, _oversized)
    yield from _translation_texts(repository, _oversized)


def _fits(text: str) -> bool:
    return len(text) <= MAX_MESSAGE_CHARS


def _oversized(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS


def _source_texts(repository: Repository, keep: Callable[[str], bool]) -> Iterator[CatalogueText]:
    """The source catalogue's message texts that ``keep`` accepts."""
    catalogue = repository.source_catalogue
    if catalogue is None:
        return
    for key, entry in catalogue.data.items():
        message = entry.get("message") if isinstance(entry, dict) else None
        if isinstance(message, str) and keep(message):
            yield CatalogueText(key, SOURCE_LOCALE, message, catalogue, (key, "message"))


def _translation_texts(
    repository: Repository, keep: Callable[[str], bool]
) -> Iterator[CatalogueText]:
    """Every translation catalogue's texts that ``keep`` accepts (values that are not text are
    left to the schema)."""
    for layer in repository.layers:
        for tag, document in layer.messages.items():
            if layer.name == DEFAULTS and tag == SOURCE_LOCALE:
                continue
            if not isinstance(document.data, dict):
                continue
            for key, text in document.data.items():
                if isinstance(text, str) and keep(text):
                    yield CatalogueText(key, tag, text, document, (key,))


def parsed_texts(repository: Repository) -> Iterator[tuple[CatalogueText, Message]]:
    """Each message text (source and translations) that parses, with its message; texts that
    do not parse are MKT503's."""

    def make() -> list[tuple[CatalogueText, Message]]:
        pairs = ((text, parse_message(text.text)) for text in catalogue_texts(repository))
        return [(text, message) for text, message in pairs if isinstance(message, Message)]

    return iter(_shared(repository, "parsed_texts", make))


def parsed_translations(
    repository: Repository,
) -> Iterator[tuple[CatalogueText, Message, Message]]:
    """Each translation whose text and source text both parse: the text, its message and the
    source's message (what MKT504, MKT507 and MKT508 compare)."""
    return iter(_shared(repository, "parsed_translations", lambda: list(_translations(repository))))


def _translations(repository: Repository) -> Iterator[tuple[CatalogueText, Message, Message]]:
    sources: dict[str, Message | SyntaxProblem | None] = {}
    for text in catalogue_texts(repository, source=False):
        key = text.key
        if key in sources:
            source = sources[key]
        else:
            entry = source_entry(repository, key)
            source = sources[key] = None if entry is None else parse_message(entry["message"])
        if not isinstance(source, Message):
            continue
        translated = parse_message(text.text)
        if isinstance(translated, Message):
            yield text, translated, source


def written(name: str, kind: str) -> str:
    """An argument as ICU writes it: ``{name}``, ``{amount, number, currency}``."""
    return f"{{{name}}}" if kind == "plain" else f"{{{name}, {kind}}}"


# --- positions inside YAML scalars ---------------------------------------------------------------

_SIMPLE_ESCAPES: Final = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES: Final = {"x": 2, "u": 4, "U": 8}
_BLOCK_HEADER: Final = re.compile(r"^([|>])([1-9][+-]?|[+-][1-9]?)?[ \t]*(#.*)?$")

_Where = tuple[int, int]  # 0-based row and column in the file
_Decoded = tuple[str, list[_Where]]


def _document_text(document: Document) -> str | None:
    # A Document built in code has no file text; positions inside a value are then computed
    # from the value alone (_assumed_double_quoted).
    return document.text or None


def _location_in_scalar(document: Document, path: Path, value: str, offset: int) -> Location:
    start, decoded = _decode_value(document, path, value)
    return _location_at(document, start, decoded, offset)


def _location_at(
    document: Document, start: Position, decoded: _Decoded | None, offset: int
) -> Location:
    if decoded is None:
        return Location.at(document.path, start)
    row, column = decoded[1][min(offset, len(decoded[1]) - 1)]
    return Location.at(document.path, Position(row + 1, column + 1))


def _decode_value(document: Document, path: Path, value: str) -> tuple[Position, _Decoded | None]:
    start = document.value_position(path)
    text = _document_text(document)
    decoded: _Decoded | None = None
    if text is not None:
        indent = document.key_position(path).column - 1
        decoded = _decode_scalar(text.split("\n"), start.line - 1, start.column - 1, indent)
        if decoded is not None and decoded[0] != value:
            decoded = None  # not what the loader read: do not guess
    elif "\n" not in value:
        decoded = _assumed_double_quoted(value, start)
    return start, decoded


def _assumed_double_quoted(value: str, start: Position) -> _Decoded:
    """Positions in ``"..."`` on one line, written as this repository writes it: ``\\"``,
    ``\\\\`` and invisible characters as escapes (``\\u00a0``), everything else as is."""
    where: list[_Where] = []
    column = start.column  # 0-based column of the first character after the quote
    for char in value:
        where.append((start.line - 1, column))
        column += _escaped_width(char)
    where.append((start.line - 1, column))
    return value, where


def _escaped_width(char: str) -> int:
    if char in '"\\' or char in "\0\a\b\t\n\v\f\r\x1b":
        return 2
    if char != " " and unicodedata.category(char) in {"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn"}:
        return 6 if ord(char) <= 0xFFFF else 10
    return 1


def _decode_scalar(lines: list[str], row: int, column: int, indent: int) -> _Decoded | None:
    """The value of the YAML scalar that starts at (row, column), with the file position of each
    of its characters and, last, of its end. None where this is not a scalar it can read."""
    lines = [line.removesuffix("\r") for line in lines]
    if row >= len(lines) or column >= len(lines[row]):
        return None
    first = lines[row][column]
    if first in "\"'":
        return _decode_flow(lines, row, column, first)
    if first in "|>":
        return _decode_block(lines, row, column, indent)
    return _decode_plain(lines, row, column, indent)


class _Output:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.where: list[_Where] = []
        self.blanks = 0  # literal blanks at the end of the current line, dropped when it folds

    def add(self, text: str, where: _Where, blank: bool = False) -> None:
        for char in text:
            self.chars.append(char)
            self.where.append(where)
        self.blanks = self.blanks + len(text) if blank else 0

    def drop_blanks(self) -> None:
        if self.blanks:
            del self.chars[-self.blanks :]
            del self.where[-self.blanks :]
        self.blanks = 0

    def done(self, end: _Where) -> _Decoded:
        return "".join(self.chars), [*self.where, end]


def _fold(lines: list[str], row: int, out: _Output) -> tuple[int, int] | None:
    """A line break inside a quoted or plain scalar: blank lines become newlines, a single break
    a space. Returns where the next line's text starts."""
    out.drop_blanks()
    where = (row, len(lines[row]))
    breaks = 0
    row += 1
    while row < len(lines) and not lines[row].strip(" \t"):
        breaks += 1
        row += 1
    if row >= len(lines):
        return None
    out.add("\n" * breaks if breaks else " ", where)
    line = lines[row]
    return row, len(line) - len(line.lstrip(" \t"))


def _decode_flow(lines: list[str], row: int, column: int, quote: str) -> _Decoded | None:
    out = _Output()
    i = column + 1
    while True:
        line = lines[row]
        if i >= len(line):
            folded = _fold(lines, row, out)
            if folded is None:
                return None
            row, i = folded
            continue
        char = line[i]
        if char == quote:
            if quote == "'" and line[i + 1 : i + 2] == "'":
                out.add("'", (row, i))
                i += 2
                continue
            return out.done((row, i))
        if quote == '"' and char == "\\":
            escape = line[i + 1 : i + 2]
            if not escape:  # an escaped line break joins the lines without a space
                if row + 1 >= len(lines):
                    return None
                out.blanks = 0
                row += 1
                i = len(lines[row]) - len(lines[row].lstrip(" \t"))
                continue
            if escape in _SIMPLE_ESCAPES:
                out.add(_SIMPLE_ESCAPES[escape], (row, i))
                i += 2
                continue
            width = _HEX_ESCAPES.get(escape)
            digits = line[i + 2 : i + 2 + width] if width else ""
            if not width or len(digits) != width:
                return None
            try:
                out.add(chr(int(digits, 16)), (row, i))
            except ValueError:
                return None
            i += 2 + width
            continue
        out.add(char, (row, i), blank=char in " \t")
        i += 1


def _decode_plain(lines: list[str], row: int, column: int, indent: int) -> _Decoded | None:
    out = _Output()
    i = column
    while True:
        line = lines[row]
        stopped = False
        while i < len(line):
            char = line[i]
            comment = char == "#" and i > 0 and line[i - 1] in " \t"
            if comment or (char == ":" and line[i + 1 : i + 2] in ("", " ", "\t")):
                stopped = True
                break
            out.add(char, (row, i), blank=char in " \t")
            i += 1
        if not stopped and _continues_plain(lines, row, indent):
            folded = _fold(lines, row, out)
            if folded is None:
                return None
            row, i = folded
            continue
        out.drop_blanks()
        if not out.where:
            return None
        last_row, last_column = out.where[-1]
        return out.done((last_row, last_column + 1))


def _continues_plain(lines: list[str], row: int, indent: int) -> bool:
    """Whether the next line that is not blank continues a plain scalar (more indented than its
    key, not a comment)."""
    row += 1
    while row < len(lines) and not lines[row].strip(" \t"):
        row += 1
    if row >= len(lines):
        return False
    line = lines[row]
    text = line.lstrip(" ")
    return not text.startswith("#") and len(line) - len(text) > indent


def _decode_block(lines: list[str], row: int, column: int, indent: int) -> _Decoded | None:
    header = _BLOCK_HEADER.match(lines[row][column:])
    if header is None:
        return None
    style, indicators = header.group(1), header.group(2) or ""
    digits = [c for c in indicators if c.isdigit()]
    chomping = next((c for c in indicators if c in "+-"), "")
    content = row + 1
    if digits:
        block_indent = indent + int(digits[0])
    else:
        first = next((r for r in range(content, len(lines)) if lines[r].strip(" ")), None)
        if first is None:
            return "", [(row, len(lines[row]))]
        block_indent = len(lines[first]) - len(lines[first].lstrip(" "))
    if block_indent <= indent:
        return None
    rows: list[int] = []
    r = content
    while r < len(lines):
        line = lines[r]
        if line.strip(" ") and len(line) - len(line.lstrip(" ")) < block_indent:
            break
        rows.append(r)
        r += 1
    while rows and not lines[rows[-1]].strip(" "):
        rows.pop()  # trailing blank lines: only chomping "+" keeps them
    trailing = r - content - len(rows)
    out = _Output()
    previous: str | None = None  # "normal" or "indented" (folded scalars only)
    pending = 0
    for r in rows:
        line = lines[r]
        text = line[block_indent:]
        if not text.strip(" "):
            pending += 1
            continue
        kind = "indented" if text[:1] in " \t" else "normal"
        if previous is not None:
            where = (r - 1 - pending, len(lines[r - 1 - pending]))
            if style == ">" and previous == kind == "normal":
                out.add("\n" * pending if pending else " ", where)
            else:
                out.add("\n" * (pending + 1), where)
        elif pending:
            out.add("\n" * pending, (content, 0))
        pending = 0
        for i, char in enumerate(text, start=block_indent):
            out.add(char, (r, i))
        previous = kind
    if not rows:
        return "", [(row, len(lines[row]))]
    last = rows[-1]
    end = (last, len(lines[last]))
    if chomping != "-":
        out.add("\n", end)
    if chomping == "+":
        out.add("\n" * trailing, end)
    return out.done(end)
