"""A translation is longer than the source catalogue's ``max_length`` for the message.

Buttons, badges and menu entries have room for so many characters; the source catalogue says
how many with ``max_length`` (Weblate's and Crowdin's length limit), and a longer translation is
cut off or breaks the layout. The length is the longest text the message can show: tags are not
counted, a plural or select counts its longest branch, an argument counts as written (``{name}``
is 6 characters).

Failing example::

    # source: cart.remove_button: {message: "Remove", max_length: 16, ...}
    cart.remove_button: "Supprimer l'article du panier"

Passing example::

    cart.remove_button: "Supprimer"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import Message, catalogue_texts, parse_message, source_entry
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT509"
NAME = "message-length"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text in catalogue_texts(repository, source=False):
        entry = source_entry(repository, text.key)
        limit = entry.get("max_length") if entry is not None else None
        if not isinstance(limit, int) or isinstance(limit, bool):
            continue
        message = parse_message(text.text)
        if isinstance(message, Message) and message.length > limit:
            yield rule(CODE).finding(
                text.location,
                f"'{text.key}' is {message.length} characters long, more than the {limit} "
                "(max_length) of the source catalogue",
                "shorten it: the text must fit where it is shown (see the entry's description "
                "in the source catalogue)",
            )
