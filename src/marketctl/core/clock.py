"""Today's date, for rules about launch dates and expiry.

``MARKETCTL_TODAY=YYYY-MM-DD`` pins it, so that tests and reproducible CI runs do not change
verdicts at midnight.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from marketctl.core.errors import MarketctlError


def today() -> date:
    pinned = os.environ.get("MARKETCTL_TODAY")
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            raise MarketctlError(
                f"MARKETCTL_TODAY is '{pinned}', not a date", "write it as YYYY-MM-DD"
            ) from None
    return datetime.now(UTC).date()
