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

from pyicumessageformat import Parser

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

_PARSER = Parser({"allow_tags": True, "require_other": False})


def pseudo_message(text: str, tag: str) -> str:
    """The pseudo-translation of one ICU message into ``en-XA`` or ``ar-XB``."""
    nodes = _PARSER.parse(text)
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


def _literal_length(nodes: list[Any]) -> int:
    """The length of the text a reader sees, taking the longest branch of each choice."""
    total = 0
    for node in nodes:
        if isinstance(node, str):
            total += len(node)
        elif node.get("type") == "tag":
            total += _literal_length(node.get("contents") or [])
        elif "options" in node:
            total += max(
                (_literal_length(branch) for branch in node["options"].values()), default=0
            )
    return total


def _serialize(nodes: list[Any], transform: Any, *, in_plural: bool) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_quote(transform(node), in_plural=in_plural))
        elif node.get("hash"):
            out.append("#")
        elif node.get("type") == "tag":
            contents = node.get("contents")
            if contents is None:
                out.append(f"<{node['name']}/>")
            else:
                inner = _serialize(contents, transform, in_plural=in_plural)
                out.append(f"<{node['name']}>{inner}</{node['name']}>")
        elif "options" in node:
            plural = node["type"] in ("plural", "selectordinal")
            head = f"{node['name']}, {node['type']},"
            if node.get("offset"):
                head += f" offset:{node['offset']}"
            branches = " ".join(
                f"{key} {{{_serialize(branch, transform, in_plural=plural or in_plural)}}}"
                for key, branch in node["options"].items()
            )
            out.append(f"{{{head} {branches}}}")
        elif node.get("type"):
            style = f", {node['format']}" if node.get("format") else ""
            out.append(f"{{{node['name']}, {node['type']}{style}}}")
        else:
            out.append(f"{{{node['name']}}}")
    return "".join(out)


def _quote(text: str, *, in_plural: bool) -> str:
    """Literal text written back as ICU: apostrophes doubled, syntax characters quoted."""
    special = "{}<" + ("#" if in_plural else "")
    out = []
    for char in text.replace("'", "''"):
        out.append(f"'{char}'" if char in special else char)
    return "".join(out)
