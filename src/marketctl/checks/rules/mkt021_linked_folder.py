"""A folder under markets/ that is a symbolic link.

Links to folders are not followed: a market folder linked to another market would make two
markets share every file without saying so, and one that leads outside the repository would
validate and build files the pull request does not show. They are not silently skipped either
(a linked market used to disappear from validate and build with exit 0): each one is this
error. Links to single files inside the repository are followed; a file link that leads outside
it is MKT009.

Failing example::

    markets/at -> ../elsewhere/at

Passing example::

    markets/at/market.yaml   (the files themselves, committed)
"""

from __future__ import annotations

from marketctl.core.diagnostics import Severity

CODE = "MKT021"
NAME = "linked-folder"
SEVERITY = Severity.ERROR
