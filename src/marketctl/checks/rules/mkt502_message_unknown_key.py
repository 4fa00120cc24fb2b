"""A translation catalogue has a key that the source catalogue does not define.

The source catalogue (``markets/_defaults/messages/en.yaml``) defines the set of message keys:
the app only ever asks for those. A key in a translation that is not there is a typo, or a
message that was renamed or removed in the source and is now dead text nobody will see (FormatJS
``verify``: extra keys).

Failing example::

    # markets/_defaults/messages/fr.yaml
    cart.titel: "Votre panier"

Passing example::

    cart.title: "Votre panier"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from marketctl.checks.messageformat import catalogue_texts
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT502"
NAME = "message-unknown-key"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    source = repository.source_catalogue
    if source is None:
        return
    keys = repository.source_keys
    known = set(keys)
    for text in catalogue_texts(repository, source=False):
        if text.key in known:
            continue
        guess = difflib.get_close_matches(text.key, keys, n=1)
        yield rule(CODE).finding(
            text.key_location,
            f"'{text.key}' is not a key of the source catalogue {source.path}",
            f"did you mean '{guess[0]}'?"
            if guess
            else "add the message to the source catalogue first, or remove this one",
        )
