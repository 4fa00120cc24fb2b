"""A message or a catalogue beyond the limits a translation tool, and a service, can handle.

A message has at most 10,000 characters and 200 distinct arguments, and a catalogue at most
10,000 messages (see ``marketctl.core.limits``). Beyond that the text is not a UI string: a
1 MB message with thousands of arguments once hung validate and build. Such a message is
reported here and not analysed further.

Failing example::

    legal.terms: "{a0} {a1} {a2} ... {a999}"

Passing example::

    legal.terms: "See {url} for the terms of sale."
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import (
    Message,
    catalogue_texts,
    oversized_texts,
    parse_message,
)
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.limits import (
    MAX_CATALOGUE_MESSAGES,
    MAX_MESSAGE_ARGUMENTS,
    MAX_MESSAGE_CHARS,
)
from marketctl.repository.markets import Repository

CODE = "MKT520"
NAME = "message-limits"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text in oversized_texts(repository):
        yield rule(CODE).finding(
            text.location,
            f"'{text.key}' ({text.tag}) is {len(text.text)} characters long, more than the "
            f"{MAX_MESSAGE_CHARS} a message may have; it is not checked further",
            "split it into shorter messages, or move long legal text out of the catalogue",
        )
    for text in catalogue_texts(repository):
        message = parse_message(text.text)
        if isinstance(message, Message) and len(message.arguments) > MAX_MESSAGE_ARGUMENTS:
            yield rule(CODE).finding(
                text.location,
                f"'{text.key}' ({text.tag}) has {len(message.arguments)} distinct arguments, "
                f"more than the {MAX_MESSAGE_ARGUMENTS} a message may have",
                "split it into shorter messages",
            )
    for layer in repository.layers:
        for tag, document in layer.messages.items():
            if isinstance(document.data, dict) and len(document.data) > MAX_CATALOGUE_MESSAGES:
                yield rule(CODE).finding(
                    document.value_location(()),
                    f"the {tag} catalogue holds {len(document.data)} messages, more than the "
                    f"{MAX_CATALOGUE_MESSAGES} a catalogue may have",
                    "remove messages nobody uses (marketctl translations --missing lists keys)",
                )
