"""The file is not valid YAML.

A YAML syntax error stops the whole file from loading, so nothing in it can be checked or
built. The finding points at the line and column where the parser gave up; the mistake is
often on that line or the one before (an unclosed quote or bracket, a tab, a missing colon).

Failing example::

    rates:
      standard:
        - {percent: 25, from: 1990-07-01

Passing example::

    rates:
      standard:
        - {percent: 25, from: 1990-07-01}
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT001"
NAME = "yaml-syntax"
SEVERITY = Severity.ERROR
