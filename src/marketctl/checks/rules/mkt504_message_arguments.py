"""A translation's arguments differ from the source's: a name, or a type, is not the same.

The app fills in the arguments the source message declares; a translation must use the same
names with the same types anywhere in the text (FormatJS ``verify``: structural equality). An
argument the translation drops is never shown, one it invents stays empty or fails at runtime,
and a changed type formats differently (``{rate, number, percent}`` shows 0.25 as 25 %,
``{rate}`` as 0.25). The type includes the number style and a plural's offset. Branch keys and
tags are MKT507 and MKT508; the order of arguments is free.

Failing example::

    # source: "Save {amount, number, currency} ({rate, number, percent}) compared to new"
    product.price.savings: "Économisez {montant, number, currency} ({rate, number})"

Passing example::

    product.price.savings: "Économisez {amount, number, currency} ({rate, number, percent})"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from marketctl.checks.messageformat import parsed_translations, written
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT504"
NAME = "message-arguments"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text, translated, source in parsed_translations(repository):
        expected = source.arguments
        found = translated.arguments
        for name, kinds in expected.items():
            if name not in found:
                yield rule(CODE).finding(
                    text.location,
                    f"'{text.key}' does not use the source's argument {written(name, kinds[0])}",
                    f"write {written(name, kinds[0])} where the value belongs in this language",
                )
        for placeholder in translated.placeholders:
            name, kind = placeholder.name, placeholder.kind
            if name not in expected:
                if placeholder != translated.first(name):
                    continue  # one finding per unknown name
                guess = difflib.get_close_matches(name, list(expected), n=1)
                listed = ", ".join(written(n, k[0]) for n, k in expected.items())
                yield rule(CODE).finding(
                    text.location_at(placeholder.offset),
                    f"'{text.key}' uses {{{name}}}, which is not an argument of the source",
                    f"did you mean {{{guess[0]}}}?"
                    if guess
                    else (
                        f"the source's arguments are {listed}"
                        if listed
                        else "the source message has no arguments"
                    ),
                )
            elif kind not in expected[name]:
                wanted = " or ".join(written(name, k) for k in expected[name])
                yield rule(CODE).finding(
                    text.location_at(placeholder.offset),
                    f"'{text.key}' uses {written(name, kind)}, the source {wanted}",
                    f"write it as the source does: {wanted}",
                )
