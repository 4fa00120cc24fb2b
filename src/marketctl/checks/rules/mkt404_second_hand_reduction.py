"""A shorter legal guarantee for second-hand goods where the law allows none, or below its floor.

``second_hand_min_months`` on a ``legal_guarantee`` interval is the shortest period the seller
may agree for used goods; absent, no reduction is allowed. Directive (EU) 2019/771, art. 10(6),
lets a member state allow the parties to agree a shorter period for second-hand goods, not less
than one year; Spain allows 12 months, Portugal 18, Sweden none. Each interval is compared with
the law in force on its days (``marketctl/reference/data/consumer_law.yaml``): on a day without a
second-hand floor of the market's own country there is no reduction (the EU's entry is only the
bound a member state must respect), and the reduction is never below the floor. We sell
refurbished goods: where the law keeps the full period for goods sold as refurbished (Portugal),
that floor applies too. The minimum cannot be longer than the guarantee itself.

The law is read from marketctl's packaged reference data and the repository's own
``markets/_reference/consumer_law.yaml``, which adds countries and newer laws; each finding says
which one it read (a fact from the repository's file by its file and line). For a country neither
holds anything about (Poland, in the packaged data), the finding says the law was not researched
rather than asserting what it allows: write the country's law in the repository's file.

Where the market is right and the reference is not, the interval records a reviewed override
(``override`` with what differs, why, the source that says so and the day it was reviewed); the
finding is then a warning that names the override.

Failing example::

    # markets/se/warranty.yaml (Sweden allows no shorter period for used goods)
    legal_guarantee:
      - {months: 36, second_hand_min_months: 12, from: 2022-05-01, source: {...}}

Passing example::

    legal_guarantee:
      - {months: 36, from: 2022-05-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Interval, first_uncovered
from marketctl.reference.consumer_law import EU, PACKAGED, jurisdiction_name, shortfall
from marketctl.repository.markets import Market

REFERENCE_FILE = "markets/_reference/consumer_law.yaml"

CODE = "MKT404"
NAME = "second-hand-reduction"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    entries = market.warranty.get("legal_guarantee")
    if not isinstance(country, str) or not isinstance(entries, list):
        return
    region = region if isinstance(region, str) else None
    law = market.repository.reference.consumer_law
    # The EU entry is only the lowest period a member state may allow (art. 10(6): "not less
    # than one year"); a reduction exists only where the state used the option, i.e. where the
    # country has its own entry.
    allowed = law.floor("second_hand_min_months", country, None)
    bound = law.floors.get(EU, {}).get("second_hand_min_months", ()) if region == "eu" else ()
    refurbished = law.floor("refurbished_min_months", country, region)
    for index, entry in enumerate(entries):
        reduced = entry.get("second_hand_min_months")
        if not isinstance(reduced, int):
            continue
        where = market.location("warranty", ("legal_guarantee", index, "second_hand_min_months"))
        span = Interval.of(entry)
        months = entry.get("months")
        if isinstance(months, int) and reduced >= months:
            if reduced > months:
                yield rule(CODE).finding(
                    where,
                    f"second_hand_min_months {reduced} is longer than the legal guarantee of "
                    f"{months} months {span}: it is the shortest period the seller may agree "
                    "for used goods",
                    f"write {months} or less, or remove it if the law allows no reduction",
                )
            continue
        if not law.researched(country):
            yield rule(CODE).finding(
                where,
                f"legal_guarantee {span} may be shortened to {reduced} months for second-hand "
                f"goods, but the consumer law of {jurisdiction_name(country)} was not researched: "
                f"neither {PACKAGED} nor {REFERENCE_FILE} says whether it allows a shorter period",
                f"add {country}'s second_hand_min_months, with its source, to {REFERENCE_FILE} "
                "(or remove second_hand_min_months: absent, no reduction)",
            )
            continue
        missing = first_uncovered(span, (floor.interval for floor in allowed))
        if missing is not None:
            known = law.provenance(country)  # the country's law is known: say where from
            yield rule(CODE).finding(
                where,
                f"legal_guarantee {span} may be shortened to {reduced} months for second-hand "
                f"goods, but the law of {jurisdiction_name(country)} allows no shorter period "
                f"on {missing} ({known})",
                "remove second_hand_min_months (absent: no reduction), or start this interval "
                "on the day the law allowed one",
            )
            continue
        floor = shortfall(reduced, span, (*allowed, *bound, *refurbished))
        if floor is not None:
            refurb = " for goods sold as refurbished" if floor in refurbished else ""
            yield rule(CODE).finding(
                where,
                f"second-hand minimum of {reduced} months {span} is below "
                f"{floor.describe()}{refurb}",
                floor.fix("second_hand_min_months", span),
            )
