"""The file does not start with the yaml-language-server line for its schema.

The first line `# yaml-language-server: $schema=<relative path to schemas/KIND.schema.json>`
makes editors validate and complete the file as people type. A missing line, or one that
points at the wrong schema, loses that help (or gives wrong help).

Failing example::

    country: SE

Passing example::

    # yaml-language-server: $schema=../../schemas/market.schema.json
    country: SE
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT008"
NAME = "schema-comment"
SEVERITY = Severity.WARNING
