"""A market's region contradicts the EU membership list.

``region: eu`` layers the EU's legal floors and VAT rules under a market. A member state without
it silently loses them (the two-year guarantee, the 14-day withdrawal, the margin scheme); a
country that is not a member with it is promised rules that are not its law. Membership is read
from marketctl's reviewed list (``marketctl/reference/data/eu_membership.yaml``: accession dates,
and the United Kingdom's withdrawal on 2020-01-31, transition until 2020-12-31) on today's date
(``MARKETCTL_TODAY`` pins it). An error, reported on ``region`` where it is written, else on
``country``.

Failing example::

    # markets/de/market.yaml
    country: DE
    # no region: Germany is an EU member since 1958-01-01

    # markets/gb/market.yaml
    country: GB
    region: eu      # the United Kingdom left the EU on 2020-01-31

Passing example::

    country: DE
    region: eu
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.reference import iso
from marketctl.reference.membership import eu_membership
from marketctl.repository.markets import Market, Repository

CODE = "MKT210"
NAME = "region-membership"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    # Per market, but before the market's other files are judged: a member without region: eu
    # also lacks the region's tax system (MKT103), which stops the market rules; this says why.
    for code in sorted(repository.markets):
        layer = repository.markets[code]
        if "market" in layer.files and "market" not in layer.broken:
            yield from _check(repository.market(code))


def _check(market: Market) -> Iterator[Finding]:
    country = market.market.get("country")
    if (
        not isinstance(country, str)
        or iso.country(country) is None
        or country.lower() != market.code.lower()
    ):
        return  # MKT201 reports a code that is not ISO 3166-1 or not the folder's
    region = market.market.get("region")
    union = eu_membership()
    now = today()
    member = union.is_member(country, now)
    said = union.describe(country, now)
    if member and region != union.region:
        if region is None:
            yield rule(CODE).finding(
                market.location("market", ("country",)),
                f"{said} but the market names no region",
                f"add region: {union.region} to market.yaml ({union.source.title})",
                market=market.code,
            )
        else:
            yield rule(CODE).finding(
                market.location("market", ("region",)),
                f"{said} but the market names region: {region}",
                f"write region: {union.region} ({union.source.title})",
                market=market.code,
            )
    elif not member and region == union.region:
        yield rule(CODE).finding(
            market.location("market", ("region",)),
            f"{said}, but the market names region: {union.region}",
            f"remove region: {union.region}: the {union.region.upper()} layer's floors are "
            f"not {country}'s law ({union.source.title})",
            market=market.code,
        )
