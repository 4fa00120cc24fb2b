"""A file in a market, region or defaults folder that marketctl does not know.

marketctl reads market.yaml, tax.yaml, warranty.yaml, rollout.yaml, messages/<tag>.yaml and,
in _defaults, features.yaml. Any other file would be silently ignored, which is how a typo
(warrenty.yaml) ships a market without its warranty terms. The finding suggests the closest
known name.

Failing example::

    markets/se/warrenty.yaml

Passing example::

    markets/se/warranty.yaml
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT006"
NAME = "unknown-file"
SEVERITY = Severity.ERROR
