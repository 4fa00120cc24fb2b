"""A rollout names a feature that is not in the feature catalogue.

Every feature flag is declared once, in `markets/_defaults/features.yaml`, with the team that
owns it and what it does; a market's `rollout.yaml` may only roll out features listed there.
A key that is not in the catalogue is usually a typo: the code asks for `buyback` while the
rollout turns on `buy_back`, and nobody gets the feature. The finding is at the feature key and
suggests the closest catalogue name.

Failing example::

    # markets/se/rollout.yaml
    features:
      buy_back:                       # the catalogue says buyback
        - {at: 2026-10-01T08:00, percent: 25}

Passing example::

    features:
      buyback:
        - {at: 2026-10-01T08:00, percent: 25}
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market

CODE = "MKT601"
NAME = "rollout-unknown-feature"
SEVERITY = Severity.ERROR


def check_market(market: Market) -> Iterator[Finding]:
    features = market.repository.features
    if features is None:
        return  # no catalogue at all: the loading rules report the missing file
    catalogue = features.data.get("features") or {}
    for feature in market.rollout.get("features") or {}:
        if feature in catalogue:
            continue
        guess = difflib.get_close_matches(feature, list(catalogue), n=1)
        yield rule(CODE).finding(
            market.key_location("rollout", ("features", feature)),
            f"feature '{feature}' is not in the feature catalogue ({features.path})",
            f"did you mean '{guess[0]}'?"
            if guess
            else f"add '{feature}' to {features.path} with its owner and description, "
            "or remove its steps",
        )
