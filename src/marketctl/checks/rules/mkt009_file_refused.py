"""A file that is too large or expands too much to be a hand-written config file.

Market files are small. A file over 2 MiB, more than 200,000 values after alias expansion
(a "billion laughs" file) or an alias that refers to itself is refused before it can exhaust
the machine that validates it.

Failing example::

    a: &a [x, x, x, x, x, x, x, x, x]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    ...   # nine more levels

Passing example::

    a: [x, x, x]
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT009"
NAME = "file-refused"
SEVERITY = Severity.ERROR
