"""The same key appears twice in one mapping.

YAML parsers disagree on duplicate keys (most keep the last one silently), so a duplicate
is almost always a copy-paste mistake that hides a value. The finding points at the second
occurrence and names the line of the first.

Failing example::

    standard:
      - {percent: 25, from: 1990-07-01}
    standard:
      - {percent: 24, from: 1990-07-01}

Passing example::

    standard:
      - {percent: 25, from: 1990-07-01}
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT003"
NAME = "duplicate-key"
SEVERITY = Severity.ERROR
