"""``[tool.marketctl]`` in pyproject.toml does not fit its schema.

The settings decide which findings count, so a mistake in them is reported like a mistake in a
market file: at ``pyproject.toml:line``, with what to write instead. The table takes
``select`` and ``ignore`` (lists of code prefixes such as ``"MKT5"`` or ``"MKT207"``) and
``severity`` (a table of code prefix to ``error``, ``warning`` or ``info``); nothing else.

Failing example::

    [tool.marketctl]
    severity = "error"

Passing example::

    [tool.marketctl]
    severity = {MKT508 = "error"}
    ignore = ["MKT207"]
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT022"
NAME = "settings"
SEVERITY = Severity.ERROR
