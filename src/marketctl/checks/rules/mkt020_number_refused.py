"""A number that is not a value anyone means: NaN, an infinity, or absurd precision.

Rates, prices and percentages are exact decimals of a few digits. ``.nan`` once passed every
schema bound and shipped as ``"NaN"`` in a bundle; ``1e-999999999`` hung the build. Every number
read from a market file has at most 30 significant digits and a magnitude between 1E-30 and
1E+30 (see ``marketctl.core.limits``); ``.nan``, ``.inf`` and ``-.inf`` are never values.

Failing example::

    rates:
      standard:
        - {percent: .nan, from: 2020-01-01}

Passing example::

    rates:
      standard:
        - {percent: 25, from: 2020-01-01}
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT020"
NAME = "number-refused"
SEVERITY = Severity.ERROR
