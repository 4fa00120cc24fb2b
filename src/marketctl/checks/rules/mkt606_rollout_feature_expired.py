"""A feature past its expiry date still has rollout steps in a market.

The feature catalogue may give a flag an `expires` date: after that day the flag should be gone
from the code and from every rollout.yaml, so that old flags do not pile up as hidden branches
nobody tests. A market whose rollout still lists steps for an expired feature gets a warning at
the feature key. "Today" is the UTC date, or `MARKETCTL_TODAY` when set (for reproducible
runs).

Failing example::

    # markets/_defaults/features.yaml (today is 2027-07-01)
    express_checkout: {owner: team-checkout, description: "...", expires: 2027-06-30}
    # markets/se/rollout.yaml
    features:
      express_checkout:
        - {at: 2026-10-26T09:00, percent: 10}

Passing example::

    # markets/_defaults/features.yaml: still needed, so the expiry moves (or the flag and its
    # steps are removed from the code and from every rollout.yaml)
    express_checkout: {owner: team-checkout, description: "...", expires: 2027-12-31}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from marketctl.checks.rules import rule
from marketctl.core.clock import today
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Market

CODE = "MKT606"
NAME = "rollout-feature-expired"
SEVERITY = Severity.WARNING


def check_market(market: Market) -> Iterator[Finding]:
    features = market.repository.features
    if features is None:
        return
    catalogue = features.data.get("features") or {}
    now = today()
    for feature, steps in (market.rollout.get("features") or {}).items():
        entry = catalogue.get(feature)
        expires = entry.get("expires") if isinstance(entry, dict) else None
        if not steps or not isinstance(expires, str) or date.fromisoformat(expires) >= now:
            continue
        yield rule(CODE).finding(
            market.key_location("rollout", ("features", feature)),
            f"feature '{feature}' expired on {expires} ({features.path}) but still has "
            "rollout steps",
            f"remove the flag from the code and its steps from this file, or move its expires "
            f"date in {features.path} if it is still needed",
        )
