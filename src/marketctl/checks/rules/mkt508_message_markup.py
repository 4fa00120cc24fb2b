"""A message uses a tag that is not allowed, or a translation's tags differ from the source's.

Tags (``<b>{amount, number, currency}</b>``, ``<link>Track your package</link>``) are markup the
UI layer renders: it knows ``<b>``, ``<i>``, ``<strong>``, ``<em>`` and ``<link>`` only, anything
else would show as text (Weblate, Crowdin: XML markup checks). A translation must have the same
tags, nested the same way, as the source: a lost ``<link>`` is a dead link, an extra ``<b>``
bolds what the design did not mean to.

Failing example::

    # source: "Add <b>{amount, number, currency}</b> more to get free shipping"
    cart.free_shipping_progress: "Plus que <u>{amount, number, currency}</u> d’achats"

Passing example::

    cart.free_shipping_progress: "Plus que <b>{amount, number, currency}</b> d’achats"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import ALLOWED_TAGS, Markup, parsed_texts, parsed_translations
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT508"
NAME = "message-markup"
SEVERITY = Severity.ERROR

_ALLOWED = ", ".join(f"<{name}>" for name in sorted(ALLOWED_TAGS))


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text, message in parsed_texts(repository):
        for tag in message.tags:
            if tag.name not in ALLOWED_TAGS:
                yield rule(CODE).finding(
                    text.location_at(tag.offset),
                    f"'{text.key}': <{tag.name}> is not a tag the UI renders",
                    f"use one of {_ALLOWED}",
                )
    for text, translated, source in parsed_translations(repository):
        if not source.tags and not translated.tags:
            continue
        expected = {tag.name for tag in source.tags}
        found = {tag.name for tag in translated.tags}
        for name in sorted(expected - found):
            yield rule(CODE).finding(
                text.location,
                f"'{text.key}' has no <{name}>...</{name}>, as the source has",
                f"put <{name}> around the words that correspond to the source's",
            )
        reported: set[str] = set()
        for tag in translated.tags:
            if tag.name in reported or tag.name not in ALLOWED_TAGS:
                continue
            if tag.name not in expected:
                reported.add(tag.name)
                yield rule(CODE).finding(
                    text.location_at(tag.offset),
                    f"'{text.key}': <{tag.name}> is not in the source message",
                    "use the source's tags only",
                )
            elif tag.path not in {t.path for t in source.tags if t.name == tag.name}:
                reported.add(tag.name)
                wanted = next(t for t in source.tags if t.name == tag.name)
                yield rule(CODE).finding(
                    text.location_at(tag.offset),
                    f"'{text.key}': <{tag.name}> is {_where(tag)} here, {_where(wanted)} in the "
                    "source",
                    "nest the tags as the source does",
                )


def _where(tag: Markup) -> str:
    if len(tag.path) == 1:
        return "outside any tag"
    return "inside " + "".join(f"<{name}>" for name in tag.path[:-1])
