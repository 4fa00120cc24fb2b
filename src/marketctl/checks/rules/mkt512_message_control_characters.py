"""A message text carries a control character or an invisible bidirectional control.

A NUL or another C0 control (every code point below U+0020 except tab and line feed), DEL and
the C1 controls (U+007F-U+009F) have no place in a text shown to people: they cut strings short in
C libraries, break the JSON and HTML they end up in, and are invisible in review. The
bidirectional overrides and embeddings (U+202A-U+202E) and isolates (U+2066-U+2069) reorder what
follows them, so a text can show something other than what a reviewer read (the "Trojan Source"
trick, CVE-2021-42574). A right-to-left locale may keep a bidi control that its source text has;
every other occurrence is reported. YAML writes them as escapes (``"\\0"``, ``"\\u202e"``), and
translation import refuses them by this rule, so a catalogue edited by hand is held to the same
rule as an imported one (issue 22).

Failing example::

    # markets/_defaults/messages/sv.yaml
    cart.title: "Din \\u202evarukorg"

Passing example::

    cart.title: "Din varukorg"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Final

from babel import Locale, UnknownLocaleError

from marketctl.checks.messageformat import catalogue_texts, source_entry
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT512"
NAME = "message-control-characters"
SEVERITY = Severity.ERROR

BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


# Every character ``is_control`` or in BIDI_CONTROLS, found at C speed in the texts that are not
# printable (a line feed is enough).
_SUSPECT: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def is_control(point: int) -> bool:
    """A C0 control other than tab and line feed, DEL, or a C1 control."""
    return (point < 0x20 and point not in (0x09, 0x0A)) or 0x7F <= point <= 0x9F


@cache
def is_right_to_left(tag: str) -> bool:
    try:
        return Locale.parse(tag, sep="-").character_order == "right-to-left"
    except (UnknownLocaleError, ValueError):
        return False


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text in catalogue_texts(repository):
        if text.text.isprintable():
            continue  # the common case, at C speed: no control and no format character at all
        allowed: frozenset[int] = frozenset()
        if is_right_to_left(text.tag):
            entry = source_entry(repository, text.key)
            source = entry["message"] if entry is not None else ""
            allowed = frozenset(ord(c) for c in source if ord(c) in BIDI_CONTROLS)
        found = [
            (match.start(), point)
            for match in _SUSPECT.finditer(text.text)
            if (point := ord(match.group())) not in allowed or is_control(point)
        ]
        if not found:
            continue
        offset, point = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        yield rule(CODE).finding(
            text.location_at(offset),
            f"'{text.key}' contains {describe(point)}{more}",
            "delete it: texts carry no control characters, and only a right-to-left locale may "
            "keep a bidirectional control that the source text has",
        )


def describe(point: int) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE, an invisible bidirectional control``."""
    if point in BIDI_CONTROLS:
        return f"U+{point:04X} {unicodedata.name(chr(point))}, an invisible bidirectional control"
    return f"the control character U+{point:04X}"
