"""A message key has no text in a locale of a market, along the locale's whole fallback chain.

Every key of the source catalogue (``markets/_defaults/messages/en.yaml``) must have a text in
each locale a market lists in ``locales:``. A locale looks a key up along its CLDR parent chain
(``fr-CA`` → ``fr``), in the market, then its region, then ``_defaults``; only locales whose chain
reaches English (``en-CA`` → ``en-001`` → ``en``) fall back to the source. A page would otherwise
show the key (or English) to a shopper who does not read it.

A missing key is an error for a live market (``status: live``) and a warning for a planned or
paused one. It is reported at the first mapping of the most specific catalogue the locale reads;
a locale without any catalogue is reported once, at its ``locales:`` item in market.yaml.
``marketctl translations`` shows the same lookup as a share per market and locale.

Failing example::

    # markets/ca/market.yaml: status: live, locales: [en-CA, fr-CA]
    # markets/ca/messages/fr-CA.yaml and markets/_defaults/messages/fr.yaml lack cart.title

Passing example::

    # markets/_defaults/messages/fr.yaml (read by fr-CA after fr-CA.yaml)
    cart.title: "Votre panier"
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.coverage import missing_keys
from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference.locales import fallback_chain
from marketctl.repository.markets import Market

CODE = "MKT501"
NAME = "message-missing"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    locales = market.market.get("locales")
    if not isinstance(locales, list):
        return
    severity = SEVERITY if market.is_live else Severity.WARNING
    chain_of = {tag: ", ".join(fallback_chain(tag)) for tag in locales if isinstance(tag, str)}
    for index, tag in enumerate(locales):
        if not isinstance(tag, str) or tag not in chain_of:
            continue
        chain = chain_of.pop(tag)  # a locale listed twice is checked once
        missing = missing_keys(market, tag)
        if not missing:
            continue
        catalogues = market.catalogues(tag)
        if not catalogues:
            yield (
                rule(CODE)
                .finding(
                    market.location("market", ("locales", index)),
                    f"locale {tag} has no message catalogue (looked up: {chain}): none of the "
                    f"{len(missing)} messages has a {tag} text",
                    f"translate the messages in {market.own.directory}/messages/{tag}.yaml",
                )
                .with_severity(severity)
            )
            continue
        document = catalogues[0][1]
        for key in missing:
            source = market.repository.source_message(key)
            english = f'; the English text is "{source.text}"' if source is not None else ""
            yield (
                rule(CODE)
                .finding(
                    document.value_location(()),
                    f"'{key}' has no {tag} text in market {market.code} (looked up: {chain})",
                    f"add it to {document.path} or to a catalogue it falls back to{english}",
                )
                .with_severity(severity)
            )
