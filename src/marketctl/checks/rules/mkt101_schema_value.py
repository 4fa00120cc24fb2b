"""A value does not have the type, format or range its schema requires.

The JSON Schemas in schemas/ say what each key holds. A wrong type (a percentage written as
text), a date that is not YYYY-MM-DD, a value outside its allowed list or range is reported
at the value itself.

Failing example::

    rates:
      standard:
        - {percent: "25%", from: 1990-07-01}

Passing example::

    rates:
      standard:
        - {percent: 25, from: 1990-07-01}
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT101"
NAME = "schema-value"
SEVERITY = Severity.ERROR
