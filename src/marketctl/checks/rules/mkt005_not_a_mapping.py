"""The file's top level is not a mapping.

Every market file is a mapping of keys to values (docs/file-formats.md); a list or a bare
value at the top level cannot be layered or checked.

Failing example::

    - country: SE
    - currency: SEK

Passing example::

    country: SE
    currency: SEK
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT005"
NAME = "not-a-mapping"
SEVERITY = Severity.ERROR
