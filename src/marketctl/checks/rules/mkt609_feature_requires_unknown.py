"""A feature in the catalogue requires a feature that is not in the catalogue, or itself.

`requires` in `markets/_defaults/features.yaml` lists the features that must be on wherever
this one is (MKT608 checks the rollouts against it). A name there that is not a catalogue
feature is a typo or a flag that was removed: the dependency it should protect is silently not
checked. A feature that requires itself says nothing. The finding is at the name in
`requires`, with the closest catalogue name.

Failing example::

    features:
      instant_quote: {owner: team-trade-in, description: "..."}
      buyback:
        owner: team-trade-in
        description: "..."
        requires: [instant_qoute]

Passing example::

    features:
      instant_quote: {owner: team-trade-in, description: "..."}
      buyback:
        owner: team-trade-in
        description: "..."
        requires: [instant_quote]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from marketctl.checks.rules import rule
from marketctl.core.diagnostics import Finding, Severity
from marketctl.repository.markets import Repository

CODE = "MKT609"
NAME = "feature-requires-unknown"
SEVERITY = Severity.ERROR


def check_repository(repository: Repository) -> Iterator[Finding]:
    document = repository.features
    if document is None:
        return
    catalogue = document.data.get("features") or {}
    for feature, entry in catalogue.items():
        for index, required in enumerate(entry.get("requires") or []):
            where = document.value_location(("features", feature, "requires", index))
            if required == feature:
                yield rule(CODE).finding(
                    where, f"feature '{feature}' requires itself", "remove it from requires"
                )
            elif required not in catalogue:
                others = [name for name in catalogue if name != feature]
                guess = difflib.get_close_matches(required, others, n=1)
                yield rule(CODE).finding(
                    where,
                    f"feature '{feature}' requires '{required}', which is not in the catalogue",
                    f"did you mean '{guess[0]}'?"
                    if guess
                    else f"add '{required}' to the catalogue, or remove it from requires",
                )
