"""marketctl: markets as code.

Validate, explain and compile the market configuration under ``markets/`` into the bundles
that backend services load with :mod:`marketctl.runtime`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
