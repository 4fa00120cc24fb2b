"""A translation into another language than English is the English source text, unchanged.

A text copied from the source is usually a translation that was never done (Weblate's and
Crowdin's "unchanged translation" check): the page then shows English to a shopper who reads
French. Brand names and standard abbreviations (``PayPal``, ``IMEI``) stay the same on purpose:
the source entry says so with ``allow_identical: true``. English variants (``en-CA``) are not
checked. A warning: some words really are the same in both languages.

Failing example::

    # markets/_defaults/messages/fr.yaml
    cart.title: "Your cart"

Passing example::

    cart.title: "Votre panier"
    checkout.payment.paypal: "PayPal"   # source entry: allow_identical: true
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.messageformat import catalogue_texts, is_english, language_name, source_entry
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT510"
NAME = "message-identical"
SEVERITY = Severity.WARNING


def check_repository(repository: Repository) -> Iterator[Finding]:
    for text in catalogue_texts(repository, source=False):
        if is_english(text.tag):
            continue
        entry = source_entry(repository, text.key)
        if entry is None or entry["message"] != text.text or entry.get("allow_identical") is True:
            continue
        yield rule(CODE).finding(
            text.location,
            f"'{text.key}' in {language_name(text.tag)} is the English source text, unchanged",
            "translate it, or mark the source entry `allow_identical: true` if the text stays "
            "the same in every language (a brand name)",
        )
