"""A message text is not valid ICU MessageFormat.

Every text, in the source catalogue and in each translation, must parse as ICU MessageFormat
(version 1) with tags: the runtime (and any other service's ICU library) refuses it otherwise.
The finding points at the character where the parser stopped. Besides the grammar, an argument
type ICU does not know (``{n, nubmer}``), a branch written twice and an ``=`` selector that is not
a number are syntax errors. A literal ``{`` or ``}`` is quoted with apostrophes: ``'{'``.

Failing example::

    # markets/_defaults/messages/fr.yaml
    cart.items: "{count, plural, one {# article} other {# articles}"

Passing example::

    cart.items: "{count, plural, one {# article} other {# articles}}"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import SyntaxProblem, catalogue_texts, parse_message
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT503"
NAME = "message-syntax"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text in catalogue_texts(repository):
        problem = parse_message(text.text)
        if isinstance(problem, SyntaxProblem):
            yield rule(CODE).finding(
                text.location_at(problem.offset),
                f"'{text.key}' is not ICU MessageFormat: {problem.message}",
                "arguments are written {name}, {n, number, percent} or "
                "{n, plural, one {...} other {...}}; quote a literal brace as '{'",
            )
