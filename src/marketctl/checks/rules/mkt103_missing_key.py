"""A required key is missing.

Some keys have no sensible default (a market's currency, a rate's start date). They are
required in the resolved market, after layering: a key that _defaults or the region provides
need not be repeated. The finding points at the mapping that lacks the key.

Failing example::

    # markets/se/market.yaml
    country: SE
    name: Sweden

Passing example::

    country: SE
    name: Sweden
    currency: SEK
    ...
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT103"
NAME = "missing-key"
SEVERITY = Severity.ERROR
