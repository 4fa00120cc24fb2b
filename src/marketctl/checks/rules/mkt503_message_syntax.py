"""A message text is not valid ICU MessageFormat.

Every text, in the source catalogue and in each translation, must parse as the subset of ICU
MessageFormat (version 1, with tags) that the marketctl runtime formats: the rules and the
runtime share one parser (``marketctl.runtime.icusyntax``), so a text that passes compiles. The
finding points at the character where the parser stopped. Besides the grammar, these are syntax
errors: an argument type ICU does not know (``{n, nubmer}``) and the ones the runtime does not
format (``{n, spellout}``, ``{d, date}``, ``{t, time, short}``), a number style other than
``integer``, ``percent`` and ``currency`` (skeletons such as ``::compact-short``, patterns such as
``#,##0.0``), a branch written twice, an ``=`` selector that is not a number and a plural branch
that is no CLDR category (``onne``). A literal ``{`` or ``}`` is quoted with apostrophes: ``'{'``.

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
# A branch whose "}" was left out: the parser names the place the "}" belongs.
UNCLOSED = 'Expected "}" to end the branch'
UNCLOSED_HINT = "write } here: each branch is a selector and its text in braces, one {# item}"


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text in catalogue_texts(repository):
        problem = parse_message(text.text)
        if isinstance(problem, SyntaxProblem):
            yield rule(CODE).finding(
                text.location_at(problem.offset),
                f"'{text.key}' is not ICU MessageFormat: {problem.message}",
                UNCLOSED_HINT
                if problem.message.startswith(UNCLOSED)
                else "arguments are written {name}, {n, number, percent} or "
                "{n, plural, one {...} other {...}}; quote a literal brace as '{'",
            )
