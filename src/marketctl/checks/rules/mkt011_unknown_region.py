"""A market names a region that has no folder under markets/_regions.

`region: eu` layers markets/_regions/eu/ under the market. A region without a folder would
silently drop the region's legal floors and shared settings.

Failing example::

    region: europe     # there is markets/_regions/eu, not europe

Passing example::

    region: eu
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT011"
NAME = "unknown-region"
SEVERITY = Severity.ERROR
