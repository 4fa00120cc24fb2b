"""The file is empty or holds only comments.

An empty file usually means an unfinished change. A layer that needs nothing in a file kind
should not have that file at all.

Failing example::

    # yaml-language-server: $schema=../../schemas/tax.schema.json

Passing example::

    # yaml-language-server: $schema=../../schemas/tax.schema.json
    system: vat
    ...
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT004"
NAME = "empty-file"
SEVERITY = Severity.ERROR
