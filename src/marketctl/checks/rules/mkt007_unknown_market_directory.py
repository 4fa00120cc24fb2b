"""A market folder whose name is not an ISO 3166-1 alpha-2 code in lower case.

The folder name is the market's identity: bundles are named after it and services look markets
up by it. It must be a lower-case ISO 3166-1 alpha-2 code (checked against pycountry), like
`se` or `jp`. Folders starting with `_` are layers, not markets.

Failing example::

    markets/sweden/market.yaml
    markets/uk/market.yaml      # the ISO code of the United Kingdom is GB

Passing example::

    markets/se/market.yaml
    markets/gb/market.yaml
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT007"
NAME = "unknown-market-directory"
SEVERITY = Severity.ERROR
