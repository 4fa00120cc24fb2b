"""A market folder without its market.yaml.

market.yaml says what the market is (country, currency, locales, status); a folder without it
is not a market and cannot be built.

Failing example::

    markets/gr/tax.yaml          # but no markets/gr/market.yaml

Passing example::

    markets/gr/market.yaml
    markets/gr/tax.yaml      # run `marketctl new gr` to start a market
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT010"
NAME = "missing-market-file"
SEVERITY = Severity.ERROR
