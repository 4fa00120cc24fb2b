"""A verified legal fact links to a site's home page, not to the text it was verified against.

A verified source's ``url`` is where a reviewer checks the claim: the article of the law, the
official page of the rate. A link to a portal's home page (``https://www.riksdagen.se/``, an
address whose path is empty or ``/``) makes every reviewer search again, and cannot show that the
text says what the fact claims. This warns about such a link on a fact marked ``verified: <date>``
in a market's tax and consumer-law facts and in the repository's reference data
(``markets/_reference/``). An unverified fact's home-page link is part of what its ``missing``
says is still to do: ``marketctl sources --unverified`` lists it.

Failing example::

          source:
            title: "Mervärdesskattelag (2023:200)"
            url: "https://www.riksdagen.se/"
            verified: 2026-11-20
            quote: "Skattesatsen är 25 procent ..."

Passing example::

          source:
            title: "Mervärdesskattelag (2023:200)"
            url: "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/mervardesskattelag-2023200_sfs-2023-200/"
            verified: 2026-11-20
            quote: "Skattesatsen är 25 procent ..."
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from marketctl.checks.facts import legal_facts, reference_sources
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.consumer_law import is_site_root, verification
from marketctl.repository.markets import Market, Repository

CODE = "MKT422"
NAME = "source-link-site-root"
SEVERITY = Severity.WARNING

HINT = "link the page of the text itself: the law's article, or the official page of the rate"


def check_market(market: Market) -> Iterator[Finding]:
    for fact in legal_facts(market):
        if fact.verified and fact.url and is_site_root(fact.url):
            yield rule(CODE).finding(
                market.location(fact.kind, (*fact.source_path, "url")),
                f"{fact.key}: the link '{fact.url}' is a site's home page, not the text of "
                f"{fact.title or 'the source'}",
                HINT,
            )


def check_repository(repository: Repository) -> Iterator[Finding]:
    for found in reference_sources(repository):
        url, title = found.source.get("url"), found.source.get("title")
        verified = isinstance(verification(found.source).verified, date)
        if verified and isinstance(url, str) and is_site_root(url):
            yield rule(CODE).finding(
                found.document.value_location((*found.path, "url")),
                f"{found.key}: the link '{url}' is a site's home page, not the text of "
                f"{title if isinstance(title, str) and title else 'the source'}",
                HINT,
            )
