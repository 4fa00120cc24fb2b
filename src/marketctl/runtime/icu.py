"""ICU MessageFormat (v1) from a bundle's plain CLDR data, compiled once per message.

The syntax is the subset :mod:`marketctl.runtime.icusyntax` defines, the one the message rules
(MKT5xx) check, so a catalogue that validates compiles. What it means here:

- ``{name}``: a string argument as is, a number in the locale's decimal format;
- ``{n, number}``, ``{n, number, integer}``, ``{n, number, percent}``,
  ``{p, number, currency}`` (in the currency the :class:`MessageLocale` was built with);
- ``{n, plural, offset:1 =0 {...} one {...} other {...}}`` and ``{n, selectordinal, ...}``:
  ``=N`` matches the argument itself and wins over categories; the category is chosen on
  ``n - offset`` as it is displayed (ICU's ``PluralSelectorProvider``: ``Decimal("1.0")`` shows as
  "1" and takes ``one``); ``#`` is ``n - offset`` in the locale's decimal format;
- ``{g, select, a {...} other {...}}`` with a string argument;
- tags such as ``<b>...</b>`` (self-closing ``<x/>`` too) are copied to the output as
  literal markup for the UI layer;
  a ``#`` inside a tag inside a plural is the number, as in FormatJS;
- apostrophe quoting as ICU's (``'{'`` is ``{``, ``''`` is ``'``).

Anything else (``date``, ``time``, ``spellout``, skeletons ``::...``, pattern styles, a plural
without ``other``) is refused when the message is compiled, not when it is formatted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache
from typing import Any, Final

from marketctl.runtime import icusyntax
from marketctl.runtime.icusyntax import Argument, Choice, Hash, ICUSyntaxError, Node, Tag
from marketctl.runtime.numbers import (
    NumberFormatter,
    currency_formatter,
    decimal_formatter,
    integer_formatter,
    percent_formatter,
)
from marketctl.runtime.plurals import PluralRules, cardinal_rules, ordinal_rules

__all__ = [
    "ArgumentTypeError",
    "CompiledMessage",
    "MessageError",
    "MessageLocale",
    "MessageSyntaxError",
    "MissingArgumentError",
    "check_message",
    "compile_message",
    "parse_nodes",
]


def _where(key: str | None) -> str:
    return f" in message {key!r}" if key else ""


class MessageError(Exception):
    """Base class of the errors raised by this module."""


class MessageSyntaxError(MessageError, ValueError):
    """The message text is not valid ICU MessageFormat, or uses what the runtime refuses."""

    def __init__(self, reason: str, *, key: str | None = None) -> None:
        super().__init__(f"{reason}{_where(key)}")
        self.reason = reason
        self.key = key


class MissingArgumentError(MessageError, KeyError):
    """A message was formatted without one of its arguments."""

    def __init__(self, argument: str, *, key: str | None = None) -> None:
        super().__init__(f"missing argument {argument!r}{_where(key)}")
        self.argument = argument
        self.key = key

    def __str__(self) -> str:
        # KeyError's own __str__ would show the message as a quoted repr.
        return str(self.args[0])


class ArgumentTypeError(MessageError, TypeError):
    """An argument has the wrong type for its placeholder (a string where a number belongs)."""

    def __init__(self, argument: str, expected: str, value: object, *, key: str | None) -> None:
        super().__init__(
            f"argument {argument!r} must be {expected}, not {type(value).__name__}{_where(key)}",
        )
        self.argument = argument
        self.key = key


@dataclass(frozen=True, slots=True)
class MessageLocale:
    """What messages of one locale need, compiled once: number formats and plural rules."""

    tag: str
    decimal: NumberFormatter
    integer: NumberFormatter
    percent: NumberFormatter
    currency: NumberFormatter | None
    cardinal: PluralRules
    ordinal: PluralRules

    @classmethod
    def from_data(
        cls,
        locale: Mapping[str, Any],
        currency: Mapping[str, Any] | None = None,
    ) -> MessageLocale:
        """From a bundle's ``locale_data`` dict and, for ``{p, number, currency}``, the market's
        ``currency_data`` dict."""
        return cls(
            tag=locale["tag"],
            decimal=decimal_formatter(locale),
            integer=integer_formatter(locale),
            percent=percent_formatter(locale),
            currency=None if currency is None else currency_formatter(locale, currency),
            cardinal=cardinal_rules(locale),
            ordinal=ordinal_rules(locale),
        )


# A compiled piece of a message: (arguments, text of the enclosing plural's "#") -> text.
Renderer = Callable[[Mapping[str, object], str], str]
Escape = Callable[[str], str]

# Exact arithmetic for "n - offset", whatever the caller's thread-local decimal context is.
_CONTEXT: Final = Context(prec=28, rounding=ROUND_HALF_EVEN)


def _number(value: object, name: str, key: str | None) -> Decimal | int:
    """An argument as an exact number: int and Decimal as they are, float through its repr."""
    if type(value) is int:
        return value
    if isinstance(value, Decimal):
        if value.is_finite():
            return value
    elif isinstance(value, bool):
        pass  # True is an int to Python, but never a count or an amount
    elif isinstance(value, int):
        return int(value)  # IntEnum and friends: the formatters want a plain int
    elif isinstance(value, float):
        # repr is the shortest text that round-trips: 0.1 is 0.1, not its binary expansion.
        number = Decimal(repr(value))
        if number.is_finite():
            return number
    raise ArgumentTypeError(name, "a finite int, Decimal or float", value, key=key)


def _constant(text: str) -> Renderer:
    return lambda args, hash_text: text


class _Compiler:
    def __init__(
        self,
        source: str,
        locale: MessageLocale,
        key: str | None,
        escape: Escape | None,
    ) -> None:
        self.source = source
        self.locale = locale
        self.key = key
        self.escape = escape
        self.arguments: set[str] = set()

    def error(self, reason: str) -> MessageSyntaxError:
        return MessageSyntaxError(reason, key=self.key)

    # -- sequences -------------------------------------------------------------------------

    def pieces(self, nodes: list[Node], hash_active: bool, out: list[str | Renderer]) -> None:
        """Flatten nodes into text and renderers; tags become text around their contents."""
        for node in nodes:
            if type(node) is str:
                out.append(node)
            elif type(node) is Tag:
                if node.closed:
                    out.append(f"<{node.name}/>")
                else:
                    out.append(f"<{node.name}>")
                    self.pieces(node.contents, hash_active, out)
                    out.append(f"</{node.name}>")
            elif type(node) is Hash:
                # "#" means the number only directly in a plural's sub-message (or in a tag
                # there); the parser makes it text elsewhere.
                out.append(_HASH if hash_active else "#")
            else:
                assert isinstance(node, Argument | Choice)
                out.append(self.placeholder(node))

    def sequence(self, nodes: list[Node], hash_active: bool) -> tuple[Renderer, bool]:
        """A renderer for a message or sub-message, and whether it uses the "#" text."""
        flat: list[str | Renderer] = []
        self.pieces(nodes, hash_active, flat)
        parts: list[str | Renderer] = []
        for piece in flat:
            if isinstance(piece, str) and parts and isinstance(parts[-1], str):
                parts[-1] += piece
            elif piece != "":
                parts.append(piece)
        uses_hash = any(part is _HASH for part in parts)
        dynamic = [part for part in parts if not isinstance(part, str)]
        if not dynamic:
            return _constant("".join(p for p in parts if isinstance(p, str))), False
        if all(part is _HASH for part in dynamic):
            # "# items": only the number is variable, so join the text around it with it.
            texts: list[str] = []
            current = ""
            for part in parts:
                if isinstance(part, str):
                    current += part
                else:
                    texts.append(current)
                    current = ""
            texts.append(current)
            frozen = tuple(texts)
            return (lambda args, hash_text: hash_text.join(frozen)), True
        if len(parts) == 1:
            only = parts[0]
            assert not isinstance(only, str)
            return only, uses_hash
        frozen_parts = tuple(parts)

        def render(args: Mapping[str, object], hash_text: str) -> str:
            return "".join(
                [part if type(part) is str else part(args, hash_text) for part in frozen_parts],  # type: ignore[operator]
            )

        return render, uses_hash

    # -- placeholders ----------------------------------------------------------------------

    def placeholder(self, node: Argument | Choice) -> Renderer:
        name = node.name
        self.arguments.add(name)
        if type(node) is Choice:
            if node.type == "select":
                return self.select(node)
            return self.plural(node, ordinal=node.type == "selectordinal")
        assert type(node) is Argument
        if node.type is None:
            return self.simple(name)
        return self.number(name, self.number_formatter(name, node.style))

    def number_formatter(self, name: str, style: str | None) -> NumberFormatter:
        if style is None:
            return self.locale.decimal
        if style == "integer":
            return self.locale.integer
        if style == "percent":
            return self.locale.percent
        if style == "currency":
            if self.locale.currency is None:
                raise self.error(
                    f"{{{name}, number, currency}} needs a currency, and none was given for "
                    f"{self.locale.tag}",
                )
            return self.locale.currency
        raise self.error(f"unsupported number style {style!r}")  # pragma: no cover - parser

    def simple(self, name: str) -> Renderer:
        key, escape, decimal = self.key, self.escape, self.locale.decimal

        def render(args: Mapping[str, object], hash_text: str) -> str:
            try:
                value = args[name]
            except KeyError:
                raise MissingArgumentError(name, key=key) from None
            if type(value) is str:
                text = value
            elif isinstance(value, str):
                text = str(value)
            else:
                # ICU formats a Number argument of a plain placeholder with the locale's
                # NumberFormat; anything else must be a string.
                try:
                    number = _number(value, name, key)
                except ArgumentTypeError:
                    raise ArgumentTypeError(
                        name,
                        "a str, int, Decimal or float",
                        value,
                        key=key,
                    ) from None
                text = decimal.format(number)
            return escape(text) if escape is not None else text

        return render

    def number(self, name: str, formatter: NumberFormatter) -> Renderer:
        key, escape, format_number = self.key, self.escape, formatter.format

        def render(args: Mapping[str, object], hash_text: str) -> str:
            try:
                value = args[name]
            except KeyError:
                raise MissingArgumentError(name, key=key) from None
            text = format_number(_number(value, name, key))
            return escape(text) if escape is not None else text

        return render

    def plural(self, node: Choice, *, ordinal: bool) -> Renderer:
        name = node.name
        offset = node.offset
        key, escape = self.key, self.escape
        # Decimal keys: a Decimal and an int that are equal hash equal, so 1, 1.0 and
        # Decimal("1.00") all find "=1".
        exact: dict[Decimal | int, tuple[Renderer, bool]] = {}
        by_category: dict[str, tuple[Renderer, bool]] = {}
        for option in node.options:
            selector = option.selector
            compiled = self.sequence(option.contents, hash_active=True)
            if selector.startswith("="):
                # The parser admits only =N with N an integer or a decimal.
                exact[Decimal(selector[1:])] = compiled
            else:
                by_category[selector] = compiled
        if "other" not in by_category:
            raise self.error(f"invalid ICU message: {{{name}, {node.type}}} has no 'other' branch")
        other = by_category["other"]  # compile_message checked it
        select = (self.locale.ordinal if ordinal else self.locale.cardinal).select
        decimal = self.locale.decimal
        other_option = node.option("other")
        assert other_option is not None
        chooser = self.selection_formatter(name, other_option.contents) or decimal
        format_hash, visible = decimal.format, chooser.rounded
        # Usually "#" and the plural choice use the same format: round once for both.
        shared = decimal.format_rounded if chooser is decimal else None

        def render(args: Mapping[str, object], hash_text: str) -> str:
            try:
                raw = args[name]
            except KeyError:
                raise MissingArgumentError(name, key=key) from None
            value = _number(raw, name, key)
            # ICU: an explicit "=N" is compared with the argument before the offset.
            chosen = exact.get(value) if exact else None
            if offset:
                value = value - offset if type(value) is int else _CONTEXT.subtract(value, offset)
            text = None
            if chosen is None:
                if shared is not None:
                    text, shown = shared(value)
                else:
                    shown = visible(value)
                chosen = by_category.get(select(shown), other)
            sub, uses_hash = chosen
            if not uses_hash:
                return sub(args, "")
            if text is None:
                text = format_hash(value)
            return sub(args, escape(text) if escape is not None else text)

        return render

    def selection_formatter(self, name: str, nodes: list[Node]) -> NumberFormatter | None:
        """The format whose visible number picks the plural category (ICU4J
        ``MessageFormat.findFirstPluralNumberArg``): the first ``#`` or ``{name}`` /
        ``{name, number, ...}`` in the ``other`` sub-message; the caller falls back to the
        decimal format. Tags are looked into (they are markup, not ICU arguments); nested
        arguments are not."""
        for node in nodes:
            if type(node) is Hash:
                return self.locale.decimal
            if type(node) is Tag:
                found = self.selection_formatter(name, node.contents)
                if found is not None:
                    return found
            elif type(node) is Argument and node.name == name:
                return self.number_formatter(name, node.style)
        return None

    def select(self, node: Choice) -> Renderer:
        name = node.name
        key = self.key
        options = {
            option.selector: self.sequence(option.contents, hash_active=False)[0]
            for option in node.options
        }
        other = options["other"]  # compile_message checked it

        def render(args: Mapping[str, object], hash_text: str) -> str:
            try:
                value = args[name]
            except KeyError:
                raise MissingArgumentError(name, key=key) from None
            if not isinstance(value, str):
                raise ArgumentTypeError(name, "a str", value, key=key)
            return options.get(value, other)(args, hash_text)

        return render


def _hash(args: Mapping[str, object], hash_text: str) -> str:
    return hash_text


# Marker renderer for "#": the enclosing plural passes the formatted number in.
_HASH: Final[Renderer] = _hash


class CompiledMessage:
    """A parsed and compiled message: :meth:`format` it as often as needed."""

    __slots__ = ("_render", "arguments", "key", "source")

    def __init__(
        self,
        source: str,
        key: str | None,
        arguments: frozenset[str],
        render: Renderer,
    ) -> None:
        self.source = source
        self.key = key
        # Every argument name the message refers to, at any depth.
        self.arguments = arguments
        self._render = render

    def format(self, args: Mapping[str, object]) -> str:
        """The message with its arguments; :class:`MissingArgumentError` if one is absent."""
        return self._render(args, "")

    def __repr__(self) -> str:
        return f"CompiledMessage(key={self.key!r}, source={self.source!r})"


# A text compiled for many locales (every market's build, a service loading many markets) is
# parsed once; the nodes are never changed after parsing.
_parse: Final = lru_cache(maxsize=16384)(icusyntax.parse)

# check_message's verdict on each text the message rules parsed (None: it compiles, else why
# not): they parse every catalogue text through parse_nodes, so a build's compiler, which checks
# the same texts after validation, parses none of them again.
# A verdict is a few bytes beside a text the process holds anyway; a long-lived process (the
# language server) forgets them all when there are _MAX_VERDICTS, and parses again.
_VERDICTS: dict[str, str | None] = {}
_MAX_VERDICTS: Final = 1 << 17


def parse_nodes(source: str) -> list[icusyntax.Node]:
    """:func:`icusyntax.parse`, noting what it means for :func:`check_message` on ``source``
    (for the message rules, which parse each text for themselves and may as well tell the
    compiler)."""
    try:
        nodes = icusyntax.parse(source)
    except ICUSyntaxError as error:
        _note(source, _invalid(error))
        raise
    _note(source, _lacking_other(nodes))
    return nodes


def _note(source: str, verdict: str | None) -> None:
    if len(_VERDICTS) >= _MAX_VERDICTS:
        _VERDICTS.clear()
    _VERDICTS[source] = verdict


def _invalid(error: ICUSyntaxError) -> str:
    return f"invalid ICU message: {error}"


def _lacking_other(nodes: list[icusyntax.Node]) -> str | None:
    lacking = icusyntax.missing_other(nodes)
    if lacking is None:
        return None
    return (
        f"invalid ICU message: {{{lacking.name}, {lacking.type}}} has no 'other' branch "
        f"at position {lacking.start}"
    )


def check_message(source: str, *, key: str | None = None) -> None:
    """Raise the :class:`MessageSyntaxError` that :func:`compile_message` raises for ``source``
    in any locale with a currency, without compiling it (the check costs a tenth of compiling;
    a text the message rules parsed in this process is not parsed again). In such a locale only
    the text decides: the compiler's one other refusal is a currency style where the locale has
    no currency (tests/test_icu_subset.py holds the two to the same outcome on every message of
    its vectors)."""
    try:
        verdict = _VERDICTS[source]
    except KeyError:
        _checked(source, key)
        return
    if verdict is not None:
        raise MessageSyntaxError(verdict, key=key)


def _checked(source: str, key: str | None) -> list[icusyntax.Node]:
    try:
        nodes = _parse(source)
    except ICUSyntaxError as error:
        raise MessageSyntaxError(_invalid(error), key=key) from None
    verdict = _lacking_other(nodes)
    if verdict is not None:
        raise MessageSyntaxError(verdict, key=key)
    return nodes


def compile_message(
    source: str,
    locale: MessageLocale,
    *,
    key: str | None = None,
    escape: Escape | None = None,
) -> CompiledMessage:
    """Parse and compile one message for one locale.

    ``key`` (the catalogue key, such as ``cart.items``) only appears in error messages.
    ``escape``, if given, is applied to every piece of text that comes from an argument
    (strings and formatted numbers), never to the message's own text and tags: pass
    :func:`html.escape` when the output is rendered as HTML, so that an argument cannot inject
    markup.
    """
    nodes = _checked(source, key)
    compiler = _Compiler(source, locale, key, escape)
    render, _ = compiler.sequence(nodes, hash_active=False)
    return CompiledMessage(source, key, frozenset(compiler.arguments), render)
