"""The ICU MessageFormat subset marketctl supports, defined once: one parser for the message rules
(MKT5xx) and the runtime compiler (:mod:`marketctl.runtime.icu`).

A message either parses into the nodes below or raises :class:`ICUSyntaxError` with the offset
(0-based, in characters) of the problem, so the rules can point at it in the YAML file and the
runtime refuses it when the message is compiled, never when it is formatted.

The subset:

- text, with ICU's apostrophe quoting (``''`` is ``'``; ``'{'``, ``'}'``, ``'<'`` and, where it
  means the number, ``'#'`` start a quoted literal up to the next lone ``'``; any other
  apostrophe is itself);
- ``{name}``; ``{n, number}`` and ``{n, number, integer|percent|currency}``;
- ``{n, plural, offset:1 =0 {...} one {...} other {...}}`` and ``{n, selectordinal, ...}``:
  selectors are exact values ``=N`` (an integer or a decimal) and the CLDR categories zero, one,
  two, few, many, other; ``#`` in a branch (also inside tags there, as in FormatJS) is the number;
- ``{g, select, a {...} other {...}}``;
- every choice needs an ``other`` branch: that one rule is the callers', because the message
  rules report it with more to say (MKT505 with the locale's categories, MKT507 with the
  source's branches); the runtime refuses such a message (:func:`missing_other` is the check);
- tags ``<b>...</b>`` and ``<br/>`` (a ``<`` before a letter); the rules decide which names
  are allowed;
- a selector written twice is an error.

Everything else is refused at its position: ``date``, ``time``, ``spellout``, ``ordinal``,
``duration``, ``choice``, any other argument type, number skeletons (``::compact-short``) and
patterns (``#,##0.0``). The grammar and the error wording follow ``pyicumessageformat`` (with
tags), which it is tested against, except where a branch's ``}`` is left out: the grammar notices
only inside the next branch, and this parser says where the ``}`` belongs. The parser itself is
written for speed (a few microseconds for a typical message).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "CATEGORIES",
    "NUMBER_STYLES",
    "Argument",
    "Choice",
    "Hash",
    "ICUSyntaxError",
    "Node",
    "Option",
    "Tag",
    "missing_other",
    "parse",
]

# CLDR plural categories, in CLDR's order.
CATEGORIES: Final = ("zero", "one", "two", "few", "many", "other")
NUMBER_STYLES: Final = frozenset({"integer", "percent", "currency"})
PLURAL_TYPES: Final = frozenset({"plural", "selectordinal"})
CHOICE_TYPES: Final = frozenset({"plural", "selectordinal", "select"})
# ICU argument types outside the subset: refused with "not supported" rather than "unknown".
ICU_TYPES_NOT_SUPPORTED: Final = frozenset(
    {"date", "time", "spellout", "ordinal", "duration", "choice"}
)
MAXIMUM_DEPTH: Final = 50

_SPACES = "\t-\r \x85\xa0\u180e\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
_SPACE = re.compile(f"[{_SPACES}]*")
_NAME = f"([^{{}},#'{_SPACES}]*)"  # an argument name, type or selector
# Spaces, a name and spaces (after "{" or ","), and a name and spaces (a selector): one match.
_SPACED_NAME = re.compile(f"[{_SPACES}]*{_NAME}[{_SPACES}]*")
_NAME_SPACED = re.compile(f"{_NAME}[{_SPACES}]*")
_TAG_NAME = re.compile(f"[^{{}},#'</>{_SPACES}]*")
_TEXT = re.compile(r"[^{}<']*")
_TEXT_HASH = re.compile(r"[^{}<'#]*")
_STYLE = re.compile(r"[^{}<']*")
_OFFSET_NUMBER = re.compile(r"-?[0-9]*")
_EXPLICIT: Final = re.compile(r"=-?[0-9]+(\.[0-9]+)?")
# The end of a branch's text that reads as the next selector: spaces, a selector, spaces.
_SELECTOR_AT_END = re.compile(f"[{_SPACES}]+([^{{}},#'<>{_SPACES}]+)[{_SPACES}]*$")


class ICUSyntaxError(ValueError):
    """A text outside the supported subset; ``offset`` is where (0-based, in characters)."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} at position {offset}")
        self.reason = reason
        self.offset = offset
        # Whether the innermost branch around it has asked if a left-out "}" explains it
        # (enclosing branches then leave it as it is).
        self.considered = False


class Argument:
    """``{name}`` (type None) or ``{name, number[, style]}``."""

    __slots__ = ("end", "name", "start", "style", "type")

    def __init__(self, name: str, type_: str | None, style: str | None, start: int, end: int):
        self.name = name
        self.type = type_
        self.style = style
        self.start = start
        self.end = end


class Hash:
    """``#`` in a plural branch: the number (minus the offset)."""

    __slots__ = ("end", "start")

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start + 1


class Option:
    """One branch of a choice: its selector, where the selector is written, its contents."""

    __slots__ = ("contents", "selector", "start")

    def __init__(self, selector: str, start: int, contents: list[Node]) -> None:
        self.selector = selector
        self.start = start
        self.contents = contents


class Choice:
    """``{n, plural|selectordinal|select, ...}`` with its branches in written order."""

    __slots__ = ("end", "name", "offset", "options", "start", "type")

    def __init__(
        self, name: str, type_: str, offset: int, options: list[Option], start: int, end: int
    ) -> None:
        self.name = name
        self.type = type_
        self.offset = offset
        self.options = options
        self.start = start
        self.end = end

    def option(self, selector: str) -> Option | None:
        for option in self.options:
            if option.selector == selector:
                return option
        return None


class Tag:
    """``<name>contents</name>`` or ``<name/>`` (``closed``)."""

    __slots__ = ("closed", "contents", "end", "name", "start")

    def __init__(self, name: str, contents: list[Node], closed: bool, start: int, end: int):
        self.name = name
        self.contents = contents
        self.closed = closed
        self.start = start
        self.end = end


Node = str | Argument | Hash | Choice | Tag


def parse(text: str) -> list[Node]:
    """The nodes of a message, or :class:`ICUSyntaxError` where it leaves the subset."""
    if not isinstance(text, str):
        raise TypeError("a message must be a str")
    return _Parser(text).nodes(None, False, 0)


def missing_other(nodes: list[Node]) -> Choice | None:
    """The first choice (in written order) without an ``other`` branch, if any."""
    for node in nodes:
        if type(node) is Choice:
            if node.option("other") is None:
                return node
            for option in node.options:
                found = missing_other(option.contents)
                if found is not None:
                    return found
        elif type(node) is Tag:
            found = missing_other(node.contents)
            if found is not None:
                return found
    return None


def _is_alpha(char: str) -> bool:
    return ("a" <= char <= "z") or ("A" <= char <= "Z")


class _Parser:
    __slots__ = ("i", "length", "repair", "text")

    def __init__(self, text: str, repair: bool = True) -> None:
        self.text = text
        self.length = len(text)
        self.i = 0
        # Whether an error may be placed where a left-out "}" belongs (one trial parse of the
        # text with it put back, which itself tries nothing more).
        self.repair = repair

    # -- errors ----------------------------------------------------------------------------

    def _found(self, at: int) -> str:
        return self.text[at] if at < self.length else "<EOF>"

    def expected(self, what: str, at: int | None = None) -> ICUSyntaxError:
        at = self.i if at is None else at
        return ICUSyntaxError(f'Expected {what} but found "{self._found(at)}"', at)

    # -- pieces ----------------------------------------------------------------------------

    def tag_ahead(self, closing: bool) -> bool:
        """Whether a tag starts at i: ``<`` then a letter, or ``</`` then a letter (``closing``:
        only the latter)."""
        text, i = self.text, self.i
        if i + 1 >= self.length or text[i] != "<":
            return False
        char = text[i + 1]
        if char == "/":
            return i + 2 < self.length and _is_alpha(text[i + 2])
        return not closing and _is_alpha(char)

    def nodes(self, choice: str | None, hashes: bool, depth: int) -> list[Node]:
        """A message or a branch (``choice``: the enclosing choice's type, None at the top or
        ``"tag"`` inside a tag); ``hashes``: whether ``#`` is the number here."""
        out: list[Node] = []
        text, length = self.text, self.length
        scan = _TEXT_HASH.match if hashes else _TEXT.match
        pending = ""
        start = self.i
        while True:
            # Text up to the next character that may mean something.
            i = self.i
            end = scan(text, i).end()  # type: ignore[union-attr]
            if end > i:
                pending += text[i:end]
                self.i = i = end
            if i >= length:
                break
            char = text[i]
            if char == "'":
                pending += self.quoted(hashes)
                continue
            if char == "<":
                if not self.tag_ahead(False):
                    pending += "<"
                    self.i = i + 1
                    continue
                if choice is not None and text.startswith("</", i):
                    break  # the end of the enclosing tag (or a stray one: the caller says)
                if pending:
                    out.append(pending)
                    pending = ""
                out.append(self.tag(choice, hashes, depth))
                continue
            if char == "}":
                if choice is None:
                    raise ICUSyntaxError('Unexpected "}"', i)
                break
            if pending:
                out.append(pending)
                pending = ""
            if char == "#":
                out.append(Hash(i))
                self.i = i + 1
            elif choice in CHOICE_TYPES:
                try:
                    out.append(self.placeholder(depth))
                except ICUSyntaxError as error:
                    if error.considered:
                        raise
                    error.considered = True
                    unclosed = self.unclosed_branch(choice, start, i, error)
                    if unclosed is None:
                        raise
                    unclosed.considered = True
                    raise unclosed from None
            else:
                out.append(self.placeholder(depth))
        if pending:
            out.append(pending)
        return out

    def unclosed_branch(
        self, choice: str, start: int, at: int, error: ICUSyntaxError
    ) -> ICUSyntaxError | None:
        """A branch's ``}`` left out (``one {# item other {# items}}``): the placeholder at
        ``at`` breaks the grammar, the branch's text (from ``start``) ends in what reads as the
        next selector, and with a ``}`` before that selector the text parses (or parses further
        than before). The problem is then where the ``}`` belongs, not inside the next branch,
        where the parser only notices it (9 characters later in the example)."""
        if not self.repair or not error.reason.startswith(("Expected", "Unexpected")):
            return None  # a well-formed placeholder outside the subset: said where it is
        found = _SELECTOR_AT_END.search(self.text, start, at)
        if found is None or found.start() == start:
            return None
        selector = found.group(1)
        if choice in PLURAL_TYPES and not (selector in CATEGORIES or _EXPLICIT.fullmatch(selector)):
            return None
        gap = found.start()
        repaired = _Parser(f"{self.text[:gap]}}}{self.text[gap:]}", repair=False)
        try:
            repaired.nodes(None, False, 0)
        except ICUSyntaxError as later:
            if later.offset <= error.offset + 1:
                return None
        return ICUSyntaxError(f'Expected "}}" to end the branch before "{selector} {{...}}"', gap)

    def quoted(self, hashes: bool) -> str:
        """The text an apostrophe at i starts, consumed."""
        text, length = self.text, self.length
        i = self.i + 1
        if i >= length:
            self.i = i
            return "'"
        char = text[i]
        if char == "'":
            self.i = i + 1
            return "'"
        if char in "{}<" or (hashes and char == "#"):
            # A quoted literal up to the next lone apostrophe ('' inside is one), or the end.
            out = [char]
            i += 1
            while i < length:
                char = text[i]
                if char == "'":
                    if i + 1 < length and text[i + 1] == "'":
                        out.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                out.append(char)
                i += 1
            self.i = i
            return "".join(out)
        self.i = i + 1
        return "'" + char

    def skip_space(self) -> None:
        self.i = _SPACE.match(self.text, self.i).end()  # type: ignore[union-attr]

    def tag(self, choice: str | None, hashes: bool, depth: int) -> Tag:
        text, length = self.text, self.length
        start = self.i
        if text.startswith("</", start):
            raise ICUSyntaxError('Unexpected "</"', start)
        if depth >= MAXIMUM_DEPTH:
            raise ICUSyntaxError("Too much recursion", start)
        match = _TAG_NAME.match(text, start + 1)
        assert match is not None
        name = match.group()
        self.i = match.end()
        self.skip_space()
        if text.startswith("/>", self.i):
            self.i += 2
            return Tag(name, [], True, start, self.i)
        if self.i >= length or text[self.i] != ">":
            raise self.expected("> or />")
        self.i += 1
        contents = self.nodes("tag", hashes, depth + 1)
        end = self.i
        if end < length and not text.startswith("</", end):
            raise self.expected("</")
        match = _TAG_NAME.match(text, end + 2)  # past the end: an empty match at the end
        assert match is not None
        closing = match.group()
        self.i = match.end()
        if closing != name:
            raise self.expected(f"</{name}>", end)
        self.skip_space()
        if self.i >= length or text[self.i] != ">":
            raise self.expected(">")
        self.i += 1
        return Tag(name, contents, False, start, self.i)

    def placeholder(self, depth: int) -> Argument | Choice:
        text, length = self.text, self.length
        start = self.i
        # "{", spaces, the name, spaces: one match (and likewise for the type).
        match = _SPACED_NAME.match(text, start + 1)
        assert match is not None
        name = match.group(1)
        if not name:
            self.i = match.start(1)
            raise self.expected("placeholder name")
        i = match.end()
        char = text[i] if i < length else ""
        if char == "}":
            self.i = i + 1
            return Argument(name, None, None, start, self.i)
        if char != ",":
            self.i = i
            raise self.expected(", or }")
        match = _SPACED_NAME.match(text, i + 1)
        assert match is not None
        type_at = match.start(1)
        type_ = match.group(1)
        if not type_:
            self.i = type_at
            raise self.expected("placeholder type")
        if type_ not in CHOICE_TYPES and type_ != "number":
            if type_ in ICU_TYPES_NOT_SUPPORTED:
                raise ICUSyntaxError(
                    f"{{{name}, {type_}}} is not supported: marketctl formats number "
                    "(integer, percent, currency), plural, selectordinal and select",
                    type_at,
                )
            raise ICUSyntaxError(f"unknown argument type '{type_}'", type_at)
        self.i = match.end()
        char = text[self.i] if self.i < length else ""
        if char == "}":
            if type_ in CHOICE_TYPES:
                raise self.expected(f"{type_} sub-messages")
            self.i += 1
            return Argument(name, type_, None, start, self.i)
        if char != ",":
            raise self.expected(", or }")
        self.i += 1
        self.skip_space()
        if type_ == "number":
            style_at = self.i
            style = self.style()
            if not style:
                raise self.expected("placeholder style")
            if style not in NUMBER_STYLES:
                raise ICUSyntaxError(
                    f"unsupported number style '{style}' in {{{name}, number, {style}}}: "
                    "use integer, percent or currency",
                    style_at,
                )
            self.skip_space()
            if self.i >= length or text[self.i] != "}":
                raise self.expected("}")
            self.i += 1
            return Argument(name, type_, style, start, self.i)
        offset = 0
        if type_ in PLURAL_TYPES and text.startswith("offset:", self.i):
            self.i += 7
            self.skip_space()
            match = _OFFSET_NUMBER.match(text, self.i)
            assert match is not None
            digits = match.group()
            if digits in ("", "-"):
                self.i += len(digits)
                raise self.expected("offset number")
            self.i = match.end()
            offset = int(digits)
            if offset:
                self.skip_space()
        options = self.options(name, type_, depth, start)
        if self.i >= length or text[self.i] != "}":
            raise self.expected("}")
        self.i += 1
        return Choice(name, type_, offset, options, start, self.i)

    def style(self) -> str:
        """An argument style: text up to ``{``, ``}`` or a tag, apostrophes quoting anything,
        trailing spaces not included."""
        text, length = self.text, self.length
        out: list[str] = []
        while self.i < length:
            end = _STYLE.match(text, self.i).end()  # type: ignore[union-attr]
            out.append(text[self.i : end])
            self.i = end
            if end >= length:
                break
            char = text[end]
            if char == "<" and not self.tag_ahead(False):
                out.append("<")
                self.i += 1
                continue
            if char != "'":
                break
            i = end + 1
            if i >= length:
                out.append("'")
                self.i = i
                break
            if text[i] == "'":
                out.append("'")
                self.i = i + 1
                continue
            out.append(text[i])
            i += 1
            while i < length:
                if text[i] == "'":
                    if i + 1 < length and text[i + 1] == "'":
                        out.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                out.append(text[i])
                i += 1
            self.i = i
        style = "".join(out)
        stripped = _rstrip_spaces(style)
        if len(stripped) < len(style):
            if not stripped:
                return ""
            self.i -= len(style) - len(stripped)
        return stripped

    def options(self, name: str, type_: str, depth: int, start: int) -> list[Option]:
        text, length = self.text, self.length
        plural = type_ in PLURAL_TYPES
        options: list[Option] = []
        seen: set[str] = set()
        skip = _SPACE.match
        while self.i < length and text[self.i] != "}":
            at = self.i
            match = _NAME_SPACED.match(text, at)
            assert match is not None
            selector = match.group(1)
            if not selector:
                raise self.expected("sub-message selector")
            if selector in seen:
                raise ICUSyntaxError(f"'{selector}' is a branch of {{{name}}} twice", at)
            seen.add(selector)
            if plural:
                if selector.startswith("="):
                    if _EXPLICIT.fullmatch(selector) is None:
                        raise ICUSyntaxError(
                            f"invalid plural selector '{selector}': an exact value is "
                            "written like =0 or =1.5",
                            at,
                        )
                elif selector not in CATEGORIES:
                    raise ICUSyntaxError(
                        f"unknown plural category '{selector}' in {{{name}, {type_}}}: use =N "
                        f"or one of {', '.join(CATEGORIES)}",
                        at,
                    )
            self.i = i = match.end()
            if depth + 1 >= MAXIMUM_DEPTH:
                raise ICUSyntaxError("Too much recursion", i)
            if i >= length or text[i] != "{":
                raise self.expected("{")
            self.i = i + 1
            contents = self.nodes(type_, plural, depth + 1)
            i = self.i
            if i >= length or text[i] != "}":
                raise self.expected("}")
            options.append(Option(selector, at, contents))
            self.i = skip(text, i + 1).end()  # type: ignore[union-attr]
        if not options:
            raise self.expected(f"{type_} sub-messages")
        return options


def _rstrip_spaces(text: str) -> str:
    end = len(text)
    while end and _SPACE.fullmatch(text[end - 1]):
        end -= 1
    return text[:end]
