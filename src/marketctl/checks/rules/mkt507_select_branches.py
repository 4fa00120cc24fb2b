"""A select's branches differ from the source's, or a select has no ``other`` branch.

The app passes one of the values the source message's select lists (``condition`` is
``excellent``, ``good``, ``fair``; ``other`` catches the rest). A translation must translate
every branch: a missing one shows the ``other`` text for that value, an extra one is never
chosen (usually a typo: ``excelent``). ``other`` is required in every select, in the source too:
ICU refuses a select without it.

Failing example::

    # source: "{condition, select, excellent {Excellent} good {Good} other {Refurbished}}"
    product.condition.label: "{condition, select, excelent {Parfait} other {Reconditionné}}"

Passing example::

    product.condition.label: "{condition, select, excellent {Parfait} good {Bon} other {...}}"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from marketctl.checks.messageformat import parsed_texts, parsed_translations
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT507"
NAME = "select-branches"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text, message in parsed_texts(repository):
        for choice in message.choices:
            if choice.type == "select" and "other" not in choice.keys:
                yield rule(CODE).finding(
                    text.location_at(choice.offset),
                    f"'{text.key}': {{{choice.name}, select}} has no 'other' branch",
                    "add other {...}: ICU requires it, and it is the text for any value the "
                    "other branches do not name",
                )
    for text, translated, source in parsed_translations(repository):
        if not translated.choices:
            continue  # no select to compare; a select the source has is MKT504's
        expected = source.select_branches
        for name, keys in translated.select_branches.items():
            if name not in expected:
                continue  # not a select in the source: MKT504 says so
            wanted = expected[name]
            choices = [c for c in translated.choices if c.type == "select" and c.name == name]
            for choice in choices:
                for key, offset in choice.selectors:
                    if key in wanted or key == "other":  # a source without it is told above
                        continue
                    guess = difflib.get_close_matches(key, wanted, n=1)
                    yield rule(CODE).finding(
                        text.location_at(offset),
                        f"'{text.key}': '{key}' is not a branch of {{{name}, select}} in the "
                        f"source, which has {', '.join(wanted)}",
                        f"did you mean '{guess[0]}'?" if guess else "remove the branch",
                    )
            missing = [key for key in wanted if key not in keys]
            if missing:
                listed = ", ".join(f"'{key}'" for key in missing)
                yield rule(CODE).finding(
                    text.location_at(choices[0].offset),
                    f"'{text.key}': {{{name}, select}} has no {listed} branch, as the source has",
                    "translate every branch of the source's select: without it the value shows "
                    "the 'other' text",
                )
