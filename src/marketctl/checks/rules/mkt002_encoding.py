"""The file is not UTF-8 text.

Market files hold names and messages in every language; they must be UTF-8 so that every tool
(editors, git diffs, the bundle) reads the same characters. A file saved as Latin-1 or
Shift_JIS, or a binary file, is refused at the first byte that cannot be decoded.

Failing example::

    name: Sverige   # saved as Latin-1: 'Malmö' is the byte 0xf6

Passing example::

    name: Sverige   # saved as UTF-8
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT002"
NAME = "encoding"
SEVERITY = Severity.ERROR
