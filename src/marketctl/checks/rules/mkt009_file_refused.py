"""A file that is refused before it can hang or exhaust the machine that validates it.

Market files are small, plain files. Refused (limits in ``marketctl.core.limits``): anything
that is not a regular file (a FIFO, a device or a socket is never opened; a link loop; a link
that leads outside the repository); a file over 2 MiB (its size is checked before it is read);
more than 200,000 values or 4,000,000 characters after alias expansion (a "billion laughs"
file, or a short text repeated through aliases); values nested more than 64 levels deep; an
alias that refers to itself.

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
