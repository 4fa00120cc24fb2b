"""A translation starts or ends with other whitespace than the source text.

The app may join a message with what comes before or after it, so a leading or trailing space
(or line break) in the source is there on purpose, and one the source does not have is a slip
that shows as a gap or a doubled space (Weblate's "leading/trailing space" checks).
Whitespace is any Unicode space, including the no-break spaces French puts inside the text.

Failing example::

    # source: "Your cart"
    cart.title: "Votre panier "

Passing example::

    cart.title: "Votre panier"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import catalogue_texts, source_entry
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT511"
NAME = "message-whitespace"
SEVERITY = Severity.ERROR


def _leading(text: str) -> tuple[str, int]:
    """The whitespace a text starts with (Unicode whitespace, as ``\\s``), and where."""
    return text[: len(text) - len(text.lstrip())], 0


def _trailing(text: str) -> tuple[str, int]:
    """The whitespace a text ends with, and where it starts (a linear ``\\s*$``)."""
    kept = len(text.rstrip())
    return text[kept:], kept


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text in catalogue_texts(repository, source=False):
        entry = source_entry(repository, text.key)
        if entry is None:
            continue
        source = entry["message"]
        translated = text.text
        if not (
            translated[:1].isspace()
            or translated[-1:].isspace()
            or source[:1].isspace()
            or source[-1:].isspace()
        ):
            continue  # neither has whitespace at either end: nothing to compare
        for end, part in (("starts", _leading), ("ends", _trailing)):
            found, at = part(text.text)
            wanted, _ = part(source)
            if found == wanted or (end == "ends" and not text.text.strip()):
                continue
            yield rule(CODE).finding(
                text.location_at(at),
                f"'{text.key}' {end} with {_describe(found)}, the source with {_describe(wanted)}",
                "write the same whitespace at the start and the end as the source",
            )


def _describe(whitespace: str) -> str:
    return repr(whitespace) if whitespace else "no whitespace"
