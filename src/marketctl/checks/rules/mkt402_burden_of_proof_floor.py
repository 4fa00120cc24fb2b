"""The burden-of-proof period is shorter than the law's floor, or missing where the law sets one.

For a period after delivery, a defect is presumed to have existed at delivery: the seller, not
the consumer, must prove otherwise. Each interval of ``burden_of_proof`` is compared with the
floor in force on its days (``marketctl/reference/data/consumer_law.yaml``): 12 months under
Directive (EU) 2019/771, art. 11(1), and longer where a member state extended it (art. 11(2):
Sweden, Spain, Portugal and France, 24 months). A market whose law has such a presumption in force
must state it. ``second_hand_months`` is the presumption for second-hand goods where the law lets it
be shorter (France and Portugal: 12 months; Spain and Slovakia: as short as an agreed shorter period
for used goods); it is compared with that floor, and is an error where the law sets no shorter
presumption for used goods.

Where the market is right and the reference is not, the interval records a reviewed override
(``override`` with what differs, why, the source that says so and the day it was reviewed); the
finding is then a warning that names the override.

Failing example::

    # markets/se/warranty.yaml
    burden_of_proof:
      - {months: 12, from: 2022-05-01, source: {...}}

Passing example::

    burden_of_proof:
      - {months: 24, from: 2022-05-01, source: {...}}
"""

from __future__ import annotations

from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.core.intervals import Interval, first_uncovered
from marketctl.reference.consumer_law import jurisdiction_name, shortfall
from marketctl.repository.markets import Market

CODE = "MKT402"
NAME = "burden-of-proof-floor"
SEVERITY = Severity.ERROR
OVERRIDABLE = True


def check_market(market: Market) -> Iterator[Finding]:
    country, region = market.market.get("country"), market.market.get("region")
    if not isinstance(country, str):
        return
    second_hand = market.repository.reference.consumer_law
    floors = second_hand.floor(
        "burden_of_proof_months", country, region if isinstance(region, str) else None
    )
    entries = market.warranty.get("burden_of_proof")
    if not isinstance(entries, list):
        now = today()
        current = [f for f in floors if f.interval.end is None or f.interval.end >= now]
        if current:
            yield rule(CODE).finding(
                market.location("warranty", ("burden_of_proof",)),
                "warranty.yaml has no burden_of_proof, but the law presumes that a defect existed "
                f"at delivery: {current[0].describe()}",
                f"add burden_of_proof: [{{months: {current[0].value}, "
                f"from: {current[0].interval.start}, source: {{...}}}}]",
            )
        return
    for index, entry in enumerate(entries):
        span = Interval.of(entry)
        months = entry.get("months")
        floor = shortfall(months, span, floors) if isinstance(months, int) else None
        if floor is not None:
            yield rule(CODE).finding(
                market.location("warranty", ("burden_of_proof", index, "months")),
                f"burden of proof of {months} months {span} is below {floor.describe()}",
                floor.fix("months", span),
            )
        used = entry.get("second_hand_months")
        if not isinstance(used, int) or (isinstance(months, int) and used >= months):
            continue
        where = market.location("warranty", ("burden_of_proof", index, "second_hand_months"))
        allowed = second_hand.floor("burden_of_proof_second_hand_months", country, None)
        missing = first_uncovered(span, (f.interval for f in allowed))
        if missing is not None:
            yield rule(CODE).finding(
                where,
                f"burden of proof for second-hand goods of {used} months {span} is shorter than "
                f"for new goods, but the law of {jurisdiction_name(country)} sets no shorter "
                f"presumption for used goods on {missing}",
                "remove second_hand_months (absent: the same as months)",
            )
            continue
        floor = shortfall(used, span, allowed)
        if floor is not None:
            yield rule(CODE).finding(
                where,
                f"burden of proof for second-hand goods of {used} months {span} is below "
                f"{floor.describe()}",
                floor.fix("second_hand_months", span),
            )
