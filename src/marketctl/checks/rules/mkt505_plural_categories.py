"""A plural or selectordinal uses a category its locale does not have, or has no ``other``.

Which plural categories a language has is CLDR data (Babel's ``plural_form`` and
``ordinal_form``): English cardinals have ``one`` and ``other``, French also ``many``, Japanese
only ``other``. A branch for a category the locale lacks is never chosen (usually a branch copied
from another language; a word that is no CLDR category at all, such as the typo ``onne``, is
MKT503), and ``other`` is required: ICU refuses a
plural without it, and it is the text for every number no other branch matches
(messageformat's strict plural keys). Exact values (``=0``, ``=1``) are always allowed. Both are
errors; a category the locale needs but the message lacks is MKT506.

Failing example::

    # markets/jp/messages/ja.yaml (Japanese has only "other")
    cart.items: "{count, plural, one {#点} few {#点}}"

Passing example::

    cart.items: "{count, plural, =0 {カートに商品はありません} other {#点}}"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import language_name, parsed_texts, plural_categories
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT505"
NAME = "plural-categories"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text, message in parsed_texts(repository):
        for choice in message.choices:
            if not choice.is_plural:
                continue
            ordinal = choice.type == "selectordinal"
            known = plural_categories(text.tag, ordinal)
            if known is not None:
                names = ", ".join(known.ordered)
                kind = "ordinal" if ordinal else "plural"
                for selector, offset in choice.selectors:
                    if selector.startswith("=") or selector in known.categories:
                        continue
                    yield rule(CODE).finding(
                        text.location_at(offset),
                        f"'{text.key}': '{selector}' is not a {kind} category of "
                        f"{language_name(text.tag)}, which has {names}",
                        "remove the branch, or use an exact value such as =1 for one number",
                    )
            if "other" not in choice.keys:
                yield rule(CODE).finding(
                    text.location_at(choice.offset),
                    f"'{text.key}': {{{choice.name}, {choice.type}}} has no 'other' branch",
                    "add other {...}: ICU requires it, and it is the text for every number no "
                    "other branch matches",
                )
