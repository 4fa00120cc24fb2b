"""An open-ended interval whose own source or note says when it ends.

An interval without ``until`` is in force until the data says otherwise: the runtime answers
with it for every later day. When the text written next to it says the law ends it ("until
2029-12-31", "bis 31.12.2029", "jusqu'au 31 décembre 2029", "expires 2029-12-31"), the data
contradicts its own source, and services keep answering with a rate the law has ended. This
warns about an open interval of a market's tax or consumer-law facts whose ``note`` (the fact's
or its source's), ``ref``, ``title``, ``quote`` or ``missing`` names an end on or after the day
the interval starts. Write the end: ``until`` with the last day, and ``ends_by_law: true`` when
nothing is known after it (the runtime then refuses to answer for later days instead of
guessing); or, when the text is about something else, reword it.

Failing example::

    regions:
      US-LA:
        taxes:
          state:
            - percent: 5
              from: 2025-01-01
              source:
                title: "Louisiana Department of Revenue — Sales Tax Rate Change"
                note: "5 % until 2029-12-31 (Act 11 of the 2024 Third Extraordinary Session)"

Passing example::

            - percent: 5
              from: 2025-01-01
              until: 2029-12-31
              ends_by_law: true
              source:
                title: "Louisiana Department of Revenue — Sales Tax Rate Change"
                note: "5 % until 2029-12-31 (Act 11 of the 2024 Third Extraordinary Session)"
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date

from marketctl.checks.facts import LegalFact, legal_facts
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market

CODE = "MKT423"
NAME = "open-interval-stated-end"
SEVERITY = Severity.WARNING

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "janvier", "januar", "jänner", "enero", "gennaio", "janeiro"),
            ("february", "février", "februar", "febrero", "febbraio", "fevereiro"),
            ("march", "mars", "märz", "marzo", "março"),
            ("april", "avril", "abril", "aprile"),
            ("may", "mai", "mayo", "maggio", "maio"),
            ("june", "juin", "juni", "junio", "giugno", "junho"),
            ("july", "juillet", "juli", "julio", "luglio", "julho"),
            ("august", "août", "agosto"),
            ("september", "septembre", "septiembre", "settembre", "setembro"),
            ("october", "octobre", "oktober", "octubre", "ottobre", "outubro"),
            ("november", "novembre", "noviembre", "novembro"),
            ("december", "décembre", "dezember", "diciembre", "dicembre", "dezembro"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
# Words that say a value stops: English, German, French, Spanish, Italian, Portuguese, Dutch,
# Swedish, Finnish, Polish and Slovak "until"; and "expires", "ends", "sunsets".
_UNTIL = (
    r"until|till|through|thru|expires?(?:\s+on)?|expiring(?:\s+on)?|ends?(?:\s+on)?|"
    r"sunsets?(?:\s+on)?|bis(?:\s+zum|\s+einschließlich)?|jusqu'(?:au|à)|jusqu’(?:au|à)|"
    r"hasta(?:\s+el)?|fino\s+al|até|tot(?:\s+en\s+met)?|t\.o\.m\.|till\s+och\s+med|asti|do"
)
_DATE = (
    r"(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<dmy>\d{1,2})\.\s?(?P<dmy_m>\d{1,2})\.\s?(?P<dmy_y>\d{4})"
    rf"|(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?P<m>{_MONTH})\s+(?:de\s+)?(?P<y>\d{{4}})"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})"
)
_STATED_END = re.compile(rf"\b(?:{_UNTIL})\s+(?:the\s+)?(?:{_DATE})", re.IGNORECASE)
_TEXTS = ("note", "ref", "title", "quote", "missing")


def stated_end(text: str) -> tuple[date, str] | None:
    """The first end a text states (``until 2029-12-31``), with the words that state it."""
    for match in _STATED_END.finditer(text):
        day = _day(match)
        if day is not None:
            return day, match.group(0)
    return None


def _day(match: re.Match[str]) -> date | None:
    parts = match.groupdict()
    try:
        if parts["iso"]:
            return date.fromisoformat(parts["iso"])
        if parts["dmy"]:
            return date(int(parts["dmy_y"]), int(parts["dmy_m"]), int(parts["dmy"]))
        if parts["d"]:
            return date(int(parts["y"]), _MONTHS[parts["m"].lower()], int(parts["d"]))
        return date(int(parts["y2"]), _MONTHS[parts["m2"].lower()], int(parts["d2"]))
    except ValueError:
        return None


def check_market(market: Market) -> Iterator[Finding]:
    for fact in legal_facts(market):
        if fact.start is None or fact.end is not None:
            continue
        try:
            start = date.fromisoformat(fact.start)
        except ValueError:
            continue
        for key, text in _texts(market, fact):
            found = stated_end(text)
            if found is None or found[0] < start:
                continue
            day, words = found
            yield rule(CODE).finding(
                market.location(fact.kind, (*fact.path, "from")),
                f"{fact.key}: the interval from {fact.start} has no until, but its {key} says "
                f'it ends: "{words}"',
                f"if the law ends it then, write until: {day} and ends_by_law: true (services "
                "are refused an answer for later days); otherwise reword the text",
            )
            break


def _texts(market: Market, fact: LegalFact) -> Iterator[tuple[str, str]]:
    resolved = market.resolved[fact.kind]
    for where, path in (("note", fact.path), ("source", fact.source_path)):
        node = resolved.get(path)
        if not isinstance(node, Mapping):
            continue
        for key in _TEXTS if where == "source" else ("note",):
            value = node.get(key)
            if isinstance(value, str):
                yield (key if where == "note" else f"source's {key}"), value
