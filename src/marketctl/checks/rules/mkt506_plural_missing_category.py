"""A plural or selectordinal lacks a category that its locale uses for some whole number.

CLDR (through Babel) says which category each number takes in a language: French uses ``many``
for 1000000 ("1 000 000 d'articles"), Polish ``few`` for 2 and ``many`` for 5. Without that
branch the number shows the ``other`` text, which is wrong for it. Only categories some
non-negative whole number reaches count (the runtime passes counts), and a category whose every
number has an exact branch (``=0``, ``=1``; shifted by the plural's ``offset``) is covered. An
error: customers read the wrong form ("3 produktu" in Slovak, where 2 to 4 take ``few``), in
every market whose locales read the catalogue (issue 20); a catalogue of a planned market is
judged too, since it ships as it is when the market goes live. MKT505 reports categories the
locale does not have.

Failing example::

    # markets/_defaults/messages/fr.yaml
    cart.items: "{count, plural, one {# article} other {# articles}}"

Passing example::

    cart.items: "{count, plural, one {# article} many {# d’articles} other {# articles}}"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import language_name, parsed_texts, plural_categories
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT506"
NAME = "plural-missing-category"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text, message in parsed_texts(repository):
        for choice in message.choices:
            if not choice.is_plural:
                continue
            known = plural_categories(text.tag, choice.type == "selectordinal")
            if known is None:
                continue
            for category in known.ordered:
                if (
                    category == "other"
                    or category not in known.examples
                    or category in choice.keys
                    or known.covered(category, choice.explicit_values, choice.plural_offset)
                ):
                    continue
                example = known.examples[category]
                yield rule(CODE).finding(
                    text.location_at(choice.offset),
                    f"'{text.key}': {{{choice.name}, {choice.type}}} has no '{category}' "
                    f"branch, which {language_name(text.tag)} uses for numbers such as {example}",
                    f"add {category} {{...}}; without it {example} shows the 'other' text",
                )
