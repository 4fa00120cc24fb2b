"""A key that the schema does not allow.

Unknown keys are rejected so that a misspelt key (`curency`) is an error instead of a value
that is silently ignored. The finding points at the key and suggests the closest allowed one.

Failing example::

    curency: SEK

Passing example::

    currency: SEK
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT102"
NAME = "unknown-key"
SEVERITY = Severity.ERROR
