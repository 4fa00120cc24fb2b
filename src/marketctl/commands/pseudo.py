"""Pseudo-locales for UI testing: ``en-XA`` (accented, longer, bracketed) and ``ar-XB`` (RTL).

The names are the ones Android and Chrome use. A pseudo-translation keeps every placeholder,
plural and select structure, ``#`` and markup tag of the source message and changes only its
literal text, so a screen shows at a glance what is not translatable (text without accents), what
is cut off (a missing closing bracket) and what breaks in right-to-left layouts:

- ``en-XA``: every Latin letter gets an accent (``Cart`` → ``Ƈȧřŧ``), the text grows by about 35 %
  (German and Finnish run that much longer than English) and the whole message is wrapped in
  ``[`` ``]``;
- ``ar-XB``: each run of literal text is wrapped in RIGHT-TO-LEFT OVERRIDE … POP DIRECTIONAL
  FORMATTING, and the message starts with a RIGHT-TO-LEFT MARK, so it reads right to left in
  Latin letters.

Pseudo-locales are for test builds only: ``build --pseudo`` refuses a production environment.
"""

from __future__ import annotations

from typing import Any

from marketctl.runtime import icusyntax
from marketctl.runtime.icusyntax import Argument, Choice, Hash, Node, Tag

__all__ = ["PSEUDO_LOCALES", "pseudo_message"]

PSEUDO_LOCALES = {"en-XA": "en", "ar-XB": "ar"}

_ACCENTED = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ",
        strict=True,
    )
)
_PADDING = "ǿƞḗ ŧẇǿ ŧħřḗḗ ƒǿŭř ƒīṽḗ şīẋ şḗṽḗƞ ḗīɠħŧ ƞīƞḗ ŧḗƞ "
_EXPANSION = 0.35
_RLM, _RLO, _PDF = "\u200f", "\u202e", "\u202c"


def pseudo_message(text: str, tag: str) -> str:
    """The pseudo-translation of one ICU message into ``en-XA`` or ``ar-XB`` (the message is
    parsed as the runtime parses it: :class:`~marketctl.runtime.icusyntax.ICUSyntaxError`, a
    ``ValueError``, where it is not in the supported subset)."""
    nodes = icusyntax.parse(text)
    if tag == "en-XA":
        length = _literal_length(nodes)
        body = _serialize(nodes, _accent, in_plural=False)
        padding = _padding(round(length * _EXPANSION))
        return f"[{body}{' ' + padding if padding else ''}]"
    if tag == "ar-XB":
        return _RLM + _serialize(nodes, _right_to_left, in_plural=False)
    raise ValueError(
        f"unknown pseudo-locale {tag!r}; the pseudo-locales are {list(PSEUDO_LOCALES)}"
    )


def _accent(text: str) -> str:
    return "".join(_ACCENTED.get(char, char) for char in text)


def _right_to_left(text: str) -> str:
    return _RLO + text + _PDF if text.strip() else text


def _padding(size: int) -> str:
    if size <= 0:
        return ""
    repeated = _PADDING * (size // len(_PADDING) + 1)
    return repeated[:size].rstrip()


def _literal_length(nodes: list[Node]) -> int:
    """The length of the text a reader sees, taking the longest branch of each choice."""
    total = 0
    for node in nodes:
        if isinstance(node, str):
            total += len(node)
        elif isinstance(node, Tag):
            total += _literal_length(node.contents)
        elif isinstance(node, Choice):
            total += max((_literal_length(o.contents) for o in node.options), default=0)
    return total


def _serialize(nodes: list[Node], transform: Any, *, in_plural: bool) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_quote(transform(node), in_plural=in_plural))
        elif isinstance(node, Hash):
            out.append("#")
        elif isinstance(node, Tag):
            if node.closed:
                out.append(f"<{node.name}/>")
            else:
                inner = _serialize(node.contents, transform, in_plural=in_plural)
                out.append(f"<{node.name}>{inner}</{node.name}>")
        elif isinstance(node, Choice):
            # "#" is the number directly in a plural's branches (and in tags there), not in a
            # select inside one: the parser's reading, which the quoting must match.
            plural = node.type in icusyntax.PLURAL_TYPES
            head = f"{node.name}, {node.type},"
            if node.offset:
                head += f" offset:{node.offset}"
            branches = " ".join(
                f"{o.selector} {{{_serialize(o.contents, transform, in_plural=plural)}}}"
                for o in node.options
            )
            out.append(f"{{{head} {branches}}}")
        elif isinstance(node, Argument) and node.type:
            style = f", {node.style}" if node.style else ""
            out.append(f"{{{node.name}, {node.type}{style}}}")
        else:
            out.append(f"{{{node.name}}}")
    return "".join(out)


def _quote(text: str, *, in_plural: bool) -> str:
    """Literal text written back as ICU: apostrophes doubled, syntax characters quoted."""
    special = "{}<" + ("#" if in_plural else "")
    out = []
    for char in text.replace("'", "''"):
        out.append(f"'{char}'" if char in special else char)
    return "".join(out)
