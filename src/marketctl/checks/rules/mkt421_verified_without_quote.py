"""A legal fact marked verified that does not quote what was read.

``verified: <date>`` says that somebody read the official text that day and found exactly this
value there. A reviewer, or the next person who updates the fact, can only check that claim
against what was read: the sentence or table row, copied verbatim in the text's own language, in
``quote:``. A verification date without a quote is a claim nobody can check, so it is refused:
write the quote, or say ``verified: false`` with ``missing:`` (what a reviewer must still read).
Every market is checked, planned ones too, and the repository's reference data
(``markets/_reference/``): a verification is a claim wherever it is written.

Failing example::

    rates:
      standard:
        - percent: 25
          from: 2023-07-01
          source:
            title: "Mervärdesskattelag (2023:200)"
            ref: "9 kap. 1 §"
            url: "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/mervardesskattelag-2023200_sfs-2023-200/"
            verified: 2026-11-20

Passing example::

          source:
            title: "Mervärdesskattelag (2023:200)"
            ref: "9 kap. 1 §"
            url: "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/mervardesskattelag-2023200_sfs-2023-200/"
            verified: 2026-11-20
            quote: "Skattesatsen är 25 procent av beskattningsunderlaget ..."
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from marketctl.checks.facts import legal_facts, reference_sources
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.consumer_law import verification
from marketctl.repository.markets import Market, Repository

CODE = "MKT421"
NAME = "verified-without-quote"
SEVERITY = Severity.ERROR

HINT = (
    "add quote: the sentence or table row read in the official text, verbatim and in its "
    'original language; or write verified: false with missing: "what a reviewer must still read"'
)


def check_market(market: Market) -> Iterator[Finding]:
    for fact in legal_facts(market):
        if fact.verified and not fact.quote.strip():
            yield rule(CODE).finding(
                market.location(fact.kind, (*fact.source_path, "verified")),
                f"{fact.key}: verified {fact.status.verified} without quote: nobody can check "
                f"what was read in {fact.title or 'the source'}",
                HINT,
            )


def check_repository(repository: Repository) -> Iterator[Finding]:
    for found in reference_sources(repository):
        verified = verification(found.source).verified
        if isinstance(verified, date) and not found.quote.strip():
            title = found.source.get("title")
            yield rule(CODE).finding(
                found.document.value_location((*found.path, "verified")),
                f"{found.key}: verified {verified} without quote: nobody can check what was "
                f"read in {title if isinstance(title, str) and title else 'the source'}",
                HINT,
            )
